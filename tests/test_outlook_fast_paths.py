"""The outlook's shortcuts give exactly what the restriction they skip would give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from strategies import cases

import triage
from triage._pack import UNKNOWN


@settings(max_examples=300, deadline=None)
@given(cases(max_unknown=3))
def test_settled_diagrams_skip_the_restriction_without_changing_the_outlook(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    # Holding every unknown fact leaves nothing open: the fast path, against the restriction.
    analysis = advisor.analysis
    held = [fact for fact, answer in case.items() if answer == UNKNOWN]
    outlook = analysis.outlook(case, held=held)
    restricted = analysis._restrict(analysis.primary, case, held)
    assert outlook.primaries == frozenset(str(route) for route in restricted.outcomes)
    assert outlook.questions == ()
    if not held:
        focus = advisor.pack.focus_route
        could, facts = analysis.could_apply(focus, case)
        full = analysis._restrict(analysis.applies[focus], case, ())
        assert (could, facts) == (True in full.outcomes, ())
        assert full.variables == {}


@settings(max_examples=300, deadline=None)
@given(cases())
def test_questions_ranked_without_the_last_route_equal_ranking_every_route(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    analysis = advisor.analysis
    restricted = analysis._restrict(analysis.primary, case, held=())
    urgency: dict[int, int] = {}
    for rank, route in enumerate(advisor.pack.routes):
        if route.id in restricted.outcomes:
            for var in restricted.deciding(route.id):
                urgency.setdefault(var, rank)
    facts = advisor.pack.facts
    every = tuple(
        analysis.facts[var]
        for var in sorted(urgency, key=lambda var: (not facts[var].safety, urgency[var], var))
    )
    assert analysis._rank(restricted) == every


def test_the_restriction_cache_drops_the_least_recently_used_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import triage._analysis as analysis_module

    monkeypatch.setattr(analysis_module, "RESTRICT_CACHE_SIZE", 2)
    advisor = triage.Advisor()
    analysis = advisor.analysis
    analysis._restricted.clear()
    first, second, third = (
        advisor.case({"immediate_danger": "no", "unreported_harm_concern": "no", "complex": answer})
        for answer in ("yes", "no", UNKNOWN)
    )
    kept = analysis.restrict(analysis.primary, first)
    dropped = analysis.restrict(analysis.primary, second)
    assert analysis.restrict(analysis.primary, first) is kept  # a hit: first is now the newest
    analysis.restrict(analysis.primary, third)  # over the bound: second, the oldest, goes
    assert len(analysis._restricted) == 2
    assert analysis.restrict(analysis.primary, first) is kept
    assert analysis.restrict(analysis.primary, second) is not dropped  # worked out again
