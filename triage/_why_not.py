"""Why (not) a route: the rules that could recommend it and what each lacks, the rules that rule it
out, and whether answers not yet known could still make it recommended."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from triage._conditions import failed_tests
from triage._errors import InputError, describe_key, did_you_mean
from triage._reasoning_results import FailedTest, RuleCheck, WhyNot
from triage._wording import needed, not_met, one_line, questions

if TYPE_CHECKING:
    from triage._advisor import Advisor


def why_not(advisor: Advisor, answers: Any, route: str) -> WhyNot:
    """Why `route` is or is not recommended for `answers`. Raises InputError for an unknown route."""
    pack = advisor.pack
    if route not in pack.route:
        raise InputError(
            f"unknown route {describe_key(route)}{did_you_mean(route, pack.route)}",
            code="unknown_route",
            field="route",
        )
    case = advisor.case(answers)
    rec = advisor.recommend(case)
    title = pack.route[route].title
    routes = [advice.id for advice in rec.routes]
    recommended = route in routes
    fired = {rule.id for rule in rec.fired_rules}
    checks = [
        RuleCheck(
            rule=rule.id,
            reason=one_line(rule.reason),
            fired=rule.id in fired,
            failed=[
                FailedTest(fact=test.fact, needed=needed(pack, test), given=case[test.fact])
                for test in failed_tests(pack.normal[rule.id], case)
            ],
        )
        for rule in pack.rules
        if rule.effect == "recommend" and rule.route == route
    ]
    ruled_out = [out for out in rec.ruled_out if out.route == route]
    depends_on: tuple[str, ...] = ()
    could = recommended
    if not recommended:
        could, depends_on = advisor.analysis.could_apply(route, case)

    explanation: list[str] = []
    if recommended:
        first = pack.route[rec.primary_route].title
        ahead = "" if rec.primary_route == route else f", but {first} comes first (more urgent)"
        explanation.append(f"{title} [{route}]: recommended{ahead}.")
        explanation.extend(f"Applies: {check.reason} [rule {check.rule}]" for check in checks if check.fired)
        if route == pack.default_route:
            explanation.append("It applies because no other route is recommended.")
    else:
        explanation.append(f"{title} [{route}]: not recommended.")
        if route == pack.default_route:
            others = ", ".join(pack.route[other].title for other in routes)
            explanation.append(
                f"It applies only when no other route is recommended, and these are: {others}."
            )
        explanation.extend(f"Ruled out: {one_line(out.reason)} [rule {out.rule}]" for out in ruled_out)
        explanation.extend(
            f"Applies, but the route is ruled out: {check.reason} [rule {check.rule}]"
            if check.fired
            else f"{not_met(pack, check.rule, case)} [rule {check.rule}]"
            for check in checks
        )
        if could:
            unknown = f": {questions(pack, depends_on)}" if depends_on else "."
            explanation.append(f"It could still be recommended, depending on answers not yet known{unknown}")
        else:
            explanation.append("No answers to the facts still unknown would make it recommended.")
    return WhyNot(
        route=route,
        title=title,
        recommended=recommended,
        primary_route=rec.primary_route,
        primary_title=rec.routes[0].title,
        rules=checks,
        ruled_out_by=ruled_out,
        could_be_recommended=could,
        depends_on=list(depends_on),
        explanation=explanation,
        notice=rec.notice,
    )
