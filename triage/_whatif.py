"""What if the answers were different: the advice before and after a change, and every smallest
change of answers that would give another primary route."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from triage._case import Case
from triage._pack import rule_facts
from triage._reasoning_results import Alternative, Alternatives, Changes, WhatIf
from triage.engine import ReferenceMatcher

if TYPE_CHECKING:
    from triage._advisor import Advisor


def what_if(advisor: Advisor, answers: Any, changes: Mapping[str, Any]) -> WhatIf:
    """The advice for `answers`, and for `answers` with `changes` applied, and what changed."""
    case = advisor.case(answers)
    changed = advisor.case(changes)
    before = advisor.recommend(case)
    after = advisor.recommend(advisor.case({**case, **{fact: changed[fact] for fact in changes}}))
    pack = advisor.pack
    routes_before = [route.id for route in before.routes]
    routes_after = [route.id for route in after.routes]
    fired_before = {rule.id for rule in before.fired_rules}
    fired_after = {rule.id for rule in after.fired_rules}
    return WhatIf(
        before=before,
        after=after,
        changed=Changes(
            primary_route=before.primary_route != after.primary_route,
            routes_added=[route for route in routes_after if route not in routes_before],
            routes_removed=[route for route in routes_before if route not in routes_after],
            rules_fired=[rule.id for rule in pack.rules if rule.id in fired_after - fired_before],
            rules_unfired=[rule.id for rule in pack.rules if rule.id in fired_before - fired_after],
        ),
    )


def alternatives(advisor: Advisor, answers: Any, max_changes: int) -> Alternatives:
    """Every minimal change of answers, of up to `max_changes` facts, that changes the primary route.

    A change sets facts to other answers of theirs ('unknown' included). Minimal: no part of it
    changes the primary route by itself. Exact: every such change is tried (not every case), with
    the pure-Python evaluator. Fewest facts first, then the most urgent new primary route, then the
    pack's order of facts and answers.
    """
    pack = advisor.pack
    case = advisor.case(answers)
    matcher = ReferenceMatcher(pack, advisor.route_rules.deciding)  # primary() reads only these

    def primary(changes: Mapping[str, str]) -> str:
        return advisor.route_rules.primary(matcher.matches({**case, **changes}))

    now = primary({})
    found: list[Alternative] = []
    for change in _changes(advisor, case, max_changes):
        items = change.items()
        if any(alternative.set.items() <= items for alternative in found):
            continue  # a part of it already changes the primary route: not minimal
        route = primary(change)
        if route != now:
            found.append(Alternative(set=change, primary_route=route, title=pack.route[route].title))
    found.sort(key=lambda alternative: (len(alternative.set), pack.urgency[alternative.primary_route]))
    return Alternatives(
        primary_route=now,
        title=pack.route[now].title,
        alternatives=found,
        max_changes=max_changes,
        answers=advisor.given_answers(case),
        pack_title=pack.title,
        notice=pack.notice,
    )


def _changes(advisor: Advisor, case: Case, max_changes: int) -> Iterator[dict[str, str]]:
    """Every change of up to `max_changes` facts, fewest facts first, in the pack's order. Only
    facts that a recommend or rule_out rule reads: no other fact can change the primary route."""
    pack = advisor.pack
    read = {fact for rule in pack.rules if rule.effect != "advice" for fact in rule_facts(rule)}
    facts = [fact.id for fact in pack.facts if fact.id in read]
    other = {fact: [answer for answer in pack.fact[fact].answers if answer != case[fact]] for fact in facts}
    for size in range(1, max_changes + 1):
        for chosen in itertools.combinations(facts, size):
            for answers in itertools.product(*(other[fact] for fact in chosen)):
                yield dict(zip(chosen, answers, strict=True))
