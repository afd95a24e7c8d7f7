"""Pack checking: static analysis of a rule pack, symbolic (decision diagrams), never by cases.

A pack that does not load (unknown ids, a rule without a reason, a duplicate id, malformed YAML)
gives one error finding per problem the loader found, each naming its file, rule and field: the
analysis needs a loaded pack. A pack that loads is then
analysed with the diagrams of `Analysis`: a diagram equal to the false terminal means "for no
case", and `A AND NOT B` being false means "whenever A holds, B holds".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from triage._analysis import Analysis, too_large
from triage._conditions import And, Normal, Test
from triage._decision_diagrams import DiagramLimit
from triage._errors import PackError
from triage._pack import UNKNOWN, Pack, RuleSpec, read_pack, rule_facts
from triage._recommendation import FROZEN, Facts
from triage.engine import make_matcher

Severity = Literal["error", "warning"]
Kind = Literal[
    "load",
    "never_holds",
    "never_takes_effect",
    "route_unreachable",
    "no_reason",
    "no_source",
    "duplicate_rule",
    "subsumed",
    "unread_fact",
    "never_primary",
    "unsafe_unknown",
    "alternatives_together",
    "uncited_source",
]


class Finding(BaseModel):
    """One problem found in a pack: what it is about, why, and an example case when that helps.

    >>> import triage
    >>> finding = triage.check_pack("no-such-pack").findings[0]
    >>> finding.severity, finding.kind
    ('error', 'load')
    >>> finding.line()
    'error: the pack does not load: no-such-pack: not a folder'
    """

    model_config = FROZEN
    severity: Severity
    kind: Kind
    rule: str | None = None
    route: str | None = None
    fact: str | None = None
    message: str
    example: Facts | None = Field(
        None, description="Answers that show the problem (facts left out may take any answer)."
    )

    def line(self) -> str:
        """The finding on one line, as the CLI prints it."""
        subject = next(
            (
                f"{name} '{value}': "
                for name, value in (("rule", self.rule), ("route", self.route), ("fact", self.fact))
                if value
            ),
            "",
        )
        example = ""
        if self.example:
            example = " (e.g. " + ", ".join(f"{f}={a}" for f, a in self.example.items()) + ")"
        return f"{self.severity}: {subject}{self.message}{example}"


class CheckReport(BaseModel):
    """The findings of `check_pack`: errors first, then warnings. `ok` when there is no error.

    >>> import triage
    >>> report = triage.check_pack(triage.default_pack_path())
    >>> report.ok, report.findings
    (True, ())
    """

    model_config = FROZEN
    path: str
    pack: str | None = Field(description="'id version' of the pack, or None when it did not load.")
    rules: int
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "warning"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        if self.pack is None:
            return f"{self.path}: the pack does not load, {counts}"
        return f"{self.pack} ({self.path}): {self.rules} rules, {counts}"


def check_pack(pack: Pack | str | Path) -> CheckReport:
    """Check a rule pack (a loaded Pack, or its folder) without running any case.

    Errors: the pack does not load (unknown facts, routes, answers or sources; a rule without a
    reason; a duplicate id; ...); a rule with no source, or a blank one (`no_source`); a rule that
    can never hold; a rule that can never take effect (its route is ruled out, or an advice rule's
    route is never recommended, whenever it holds); a route other than the default that no rule can
    ever recommend; a route never primary (a more urgent route always comes with it), or a default
    route that never applies; a safety fact whose 'unknown' does not always lead to a safety route;
    routes or notes declared alternatives (`alternative_to`) that some case gives together; a blank
    reason; two rules with the same effect, route and condition. Warnings: a rule subsumed by
    another with the same effect (it adds only its reason); a fact no rule reads; a source never
    cited. A pack that does not load gives one finding per problem (see `read_pack`).

    >>> import triage
    >>> triage.check_pack(triage.default_pack_path()).ok
    True
    """
    path = str(pack.path if isinstance(pack, Pack) else pack)
    if not isinstance(pack, Pack):
        loaded, problems = read_pack(pack)
        if loaded is None:  # every problem of every file, so that one run shows them all
            return CheckReport(path=path, pack=None, rules=0, findings=[_load_finding(p) for p in problems])
        pack = loaded
    try:
        make_matcher(pack)  # everything `assess` would refuse: the engine's limits too (code 108)
        findings = list(_Checker(pack).findings())
    except DiagramLimit as error:
        return _not_loading(path, too_large(path, error))
    except PackError as error:
        return _not_loading(path, error)
    findings.sort(key=lambda finding: finding.severity != "error")
    return CheckReport(path=str(pack.path), pack=pack.label, rules=len(pack.rules), findings=findings)


def _not_loading(path: str, error: PackError) -> CheckReport:
    return CheckReport(path=path, pack=None, rules=0, findings=[_load_finding(error)])


def _load_finding(error: PackError) -> Finding:
    """Why a pack does not load; a rule without a source is named as such, since advice that cannot
    say what it rests on must never reach a practitioner (an error, not a warning)."""
    if error.rule is not None and error.field == "source":
        return Finding(
            severity="error",
            kind="no_source",
            rule=error.rule,
            message=f"no source: every rule cites the document and section it rests on ({error})",
        )
    return Finding(severity="error", kind="load", message=f"the pack does not load: {error}")


class _Checker:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.analysis = Analysis(pack)
        self.d = self.analysis.diagrams
        self.routes = self.analysis.routes

    def findings(self) -> Iterator[Finding]:
        yield from self._blank_reasons()
        never = {rule.id for rule in self.pack.rules if self.analysis.rule[rule.id] == self.d.false}
        for rule in self.pack.rules:
            if rule.id in never:
                yield self._never_holds(rule)
            else:
                yield from self._never_takes_effect(rule)
        unreachable = list(self._unreachable_routes())
        yield from unreachable
        yield from self._never_primary({finding.route for finding in unreachable})
        yield from self._unsafe_unknowns()
        yield from self._alternatives_together()
        yield from self._duplicates_and_subsumed(never)
        yield from self._unread_facts()
        yield from self._uncited_sources()

    # --- helpers ------------------------------------------------------------------------------

    def _ruling_out(self, route: str, diagram: int) -> str:
        """The rule_out rules of `route` that hold in some case where `diagram` holds."""
        d = self.d
        return ", ".join(
            rule.id
            for rule in self.pack.rules
            if rule.effect == "rule_out"
            and rule.route == route
            and d.conjoin(diagram, self.analysis.rule[rule.id]) != d.false
        )

    # --- the checks ---------------------------------------------------------------------------

    def _blank_reasons(self) -> Iterator[Finding]:
        # The loader refuses a missing or empty reason or source; whitespace gets past it.
        for rule in self.pack.rules:
            if not rule.reason.strip():
                yield Finding(
                    severity="error",
                    kind="no_reason",
                    rule=rule.id,
                    message="blank reason: every rule gives its reason in plain words",
                )
            blank = [
                name
                for name, value in (("document", rule.source.document), ("section", rule.source.section))
                if not value.strip()
            ]
            if blank:
                yield Finding(
                    severity="error",
                    kind="no_source",
                    rule=rule.id,
                    message=f"blank source {' and '.join(blank)}: every rule cites the source it rests on",
                )

    def _never_holds(self, rule: RuleSpec) -> Finding:
        return Finding(
            severity="error",
            kind="never_holds",
            rule=rule.id,
            message=f"its condition can never hold: {_contradiction(self.pack.normal[rule.id])}",
        )

    def _never_takes_effect(self, rule: RuleSpec) -> Iterator[Finding]:
        d, diagram = self.d, self.analysis.rule[rule.id]
        if rule.effect == "recommend" and rule.route is not None:
            covered = self.routes.ruled_out[rule.route]
            if d.conjoin(diagram, d.negate(covered)) == d.false:
                yield Finding(
                    severity="error",
                    kind="never_takes_effect",
                    rule=rule.id,
                    route=rule.route,
                    message=(
                        f"it can never recommend '{rule.route}': whenever it holds, the route is "
                        f"ruled out ({self._ruling_out(rule.route, diagram)})"
                    ),
                    example=self.analysis.example(diagram),
                )
        elif (
            rule.effect == "advice"
            and rule.requires_route is not None
            and d.conjoin(diagram, self.analysis.applies[rule.requires_route]) == d.false
        ):
            yield Finding(
                severity="error",
                kind="never_takes_effect",
                rule=rule.id,
                route=rule.requires_route,
                message=(
                    f"its note is never shown: whenever it holds, '{rule.requires_route}' "
                    "(its requires_route) is not recommended"
                ),
                example=self.analysis.example(diagram),
            )

    def _unreachable_routes(self) -> Iterator[Finding]:
        d = self.d
        for route in self.pack.routes:
            if route.id == self.pack.default_route or self.routes.recommended[route.id] != d.false:
                continue
            recommend = self.routes.recommending[route.id]
            if recommend == d.false:
                message = "no rule can ever recommend it (no recommend rule names it, or none can hold)"
                example = None
            else:
                example = self.analysis.example(recommend)
                message = (
                    "it can never be recommended: whenever a rule recommends it, it is ruled out "
                    f"({self._ruling_out(route.id, recommend)})"
                )
            yield Finding(
                severity="error", kind="route_unreachable", route=route.id, message=message, example=example
            )

    def _never_primary(self, unreachable: set[str | None]) -> Iterator[Finding]:
        """A route that can be recommended but is never the primary route: a more urgent route
        always comes with it, so its own advice is never the first thing read."""
        d, analysis = self.d, self.analysis
        for route in self.pack.routes:
            if route.id in unreachable or analysis.is_primary[route.id] != d.false:
                continue
            applies = analysis.applies[route.id]
            if route.id == self.pack.default_route:
                message = "the default route never applies: in every case some other route is recommended"
            else:
                above = [
                    other.id
                    for other in self.pack.routes[: self.pack.urgency[route.id]]
                    if d.conjoin(applies, analysis.applies[other.id]) != d.false
                ]
                message = (
                    "it can never be the primary route: whenever it is recommended, a more urgent "
                    f"route is too ({', '.join(above)})"
                )
            yield Finding(
                severity="error",
                kind="never_primary",
                route=route.id,
                message=message,
                example=self.analysis.example(applies),
            )

    def _unsafe_unknowns(self) -> Iterator[Finding]:
        """A safety question answered "not sure" must lead to a safety route whatever else is
        answered: not knowing about danger is a reason to act (the product's promise)."""
        d, analysis = self.d, self.analysis
        safe = d.false
        for route in self.pack.routes:
            if route.safety:
                safe = d.disjoin(safe, analysis.applies[route.id])
        for fact in self.pack.facts:
            if not fact.safety:
                continue
            var = analysis.position[fact.id]
            unsure = d.test(var, frozenset((fact.answers.index(UNKNOWN),)))
            gap = d.conjoin(unsure, d.negate(safe))
            if gap != d.false:
                yield Finding(
                    severity="error",
                    kind="unsafe_unknown",
                    fact=fact.id,
                    message=(
                        "a safety question answered 'unknown' must lead to a safety route, but here "
                        "no safety route is recommended"
                    ),
                    example={fact.id: UNKNOWN, **(self.analysis.example(gap) or {})},
                )

    def _alternatives_together(self) -> Iterator[Finding]:
        """Routes, or notes, the pack declares as alternatives that some case gives together."""
        d, analysis, pack = self.d, self.analysis, self.pack
        shown = {rule.id: analysis.shown(rule) for rule in pack.rules if rule.effect == "advice"}
        pairs: dict[tuple[str, str, str], tuple[int, int]] = {}
        for route in pack.routes:
            for other in route.alternative_to:
                pairs[("route", *_pair(route.id, other))] = (
                    analysis.applies[route.id],
                    analysis.applies[other],
                )
        for rule in pack.rules:
            for other in rule.alternative_to:
                pairs[("note", *_pair(rule.id, other))] = (shown[rule.id], shown[other])
        for (kind, first, second), (one, two) in pairs.items():
            both = d.conjoin(one, two)
            if both == d.false:
                continue
            verb = "recommended" if kind == "route" else "shown"
            yield Finding(
                severity="error",
                kind="alternatives_together",
                route=first if kind == "route" else None,
                rule=first if kind == "note" else None,
                message=f"it and {kind} '{second}' are declared alternatives, but both are {verb} together",
                example=self.analysis.example(both),
            )

    def _uncited_sources(self) -> Iterator[Finding]:
        pack = self.pack
        cited = {rule.source.document for rule in pack.rules}
        cited.update(ref.document for route in pack.routes for ref in route.sources)
        cited.update(contact.source for contact in pack.contacts.values())
        for source in pack.sources:
            if source not in cited:
                yield Finding(
                    severity="warning",
                    kind="uncited_source",
                    message=(
                        f"source '{source}' is never cited: no rule, route or contact rests on it "
                        "(a misspelt citation, or a document to remove)"
                    ),
                )

    def _duplicates_and_subsumed(self, never: set[str]) -> Iterator[Finding]:
        d, diagrams = self.d, self.analysis.rule
        groups: dict[tuple[str, str | None, str | None, str | None], list[RuleSpec]] = {}
        for rule in self.pack.rules:
            if rule.id not in never:
                # Advice rules with different notes are different advice, even on one condition.
                key = (rule.effect, rule.route, rule.requires_route, rule.text)
                groups.setdefault(key, []).append(rule)
        for rules in groups.values():
            for index, rule in enumerate(rules):
                same = next(
                    (other for other in rules[:index] if diagrams[other.id] == diagrams[rule.id]), None
                )
                if same is not None:
                    yield Finding(
                        severity="error",
                        kind="duplicate_rule",
                        rule=rule.id,
                        message=f"same effect, route and condition as rule '{same.id}'",
                    )
                    continue
                wider = next(
                    (
                        other
                        for other in rules
                        if other is not rule
                        and diagrams[other.id] != diagrams[rule.id]
                        and d.conjoin(diagrams[rule.id], d.negate(diagrams[other.id])) == d.false
                    ),
                    None,
                )
                if wider is not None:
                    yield Finding(
                        severity="warning",
                        kind="subsumed",
                        rule=rule.id,
                        message=(
                            f"whenever it holds, rule '{wider.id}' (same effect) holds too: "
                            "it changes no advice, only adds its reason"
                        ),
                    )

    def _unread_facts(self) -> Iterator[Finding]:
        read = {fact for rule in self.pack.rules for fact in rule_facts(rule)}
        for fact in self.pack.facts:
            if fact.id not in read:
                yield Finding(
                    severity="warning",
                    kind="unread_fact",
                    fact=fact.id,
                    message="no rule reads it: its answer never changes the advice",
                )


def _pair(one: str, other: str) -> tuple[str, str]:
    """A pair of alternatives, in one order whichever side declared it."""
    return (one, other) if one <= other else (other, one)


def _contradiction(normal: Normal) -> str:
    """Why a condition can never hold, in words, for the usual mistakes."""
    tests = list(_conjuncts(normal))
    for test in tests:
        if not test.answers:
            return f"no answer of '{test.fact}' satisfies it (a 'not' of every answer)"
    needed: dict[str, frozenset[str]] = {}
    for test in tests:
        needed[test.fact] = needed.get(test.fact, test.answers) & test.answers
        if not needed[test.fact]:
            wanted = " and also ".join(" or ".join(sorted(t.answers)) for t in tests if t.fact == test.fact)
            return f"it needs '{test.fact}' to be {wanted}"
    return "no combination of answers satisfies it"


def _conjuncts(normal: Normal) -> Iterator[Test]:
    """The tests a condition needs whatever else holds (those under its top-level 'all's)."""
    if isinstance(normal, Test):
        yield normal
    elif isinstance(normal, And):
        for part in normal.parts:
            yield from _conjuncts(part)
