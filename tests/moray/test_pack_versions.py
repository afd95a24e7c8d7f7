"""Pack 1.2 changes what some answers say first, never where they lead: against a frozen copy of
pack 1.1 (tests/moray/pack-1.1), every case keeps its routes, primary route, provisional status
and focus status; only new notes differ, and the looked after question's place after a death."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from strategies import cases

import triage

OLD = Path(__file__).parent / "pack-1.1"
NEW_NOTES = {
    "advice_forum_cp_plan_urgency",
    "advice_looked_after_unknown",
    "advice_escalation_ird",
    "advice_child_death_review",
}


@pytest.fixture(scope="module")
def old() -> triage.Advisor:
    advisor = triage.Advisor(OLD)
    assert advisor.pack.version == "1.1.0"
    return advisor


@settings(max_examples=400, deadline=None)
@given(case=cases())
def test_pack_1_2_keeps_every_route_of_pack_1_1_and_only_adds_notes(
    advisor: triage.Advisor, old: triage.Advisor, case: dict[str, str]
) -> None:
    before, after = old.assess(case), advisor.assess(case)
    assert after.primary_route == before.primary_route
    assert [route.id for route in after.routes] == [route.id for route in before.routes]
    assert after.provisional == before.provisional
    assert (after.focus.route, after.focus.status) == (before.focus.route, before.focus.status)
    assert [(out.route, out.rule) for out in after.ruled_out] == [
        (out.route, out.rule) for out in before.ruled_out
    ]
    old_notes = {note.rule for note in before.advice}
    new_notes = {note.rule for note in after.advice}
    assert old_notes <= new_notes and new_notes - old_notes <= NEW_NOTES
    # The same open questions, each for the same reason; only the looked after question moves.
    questions = [(q.fact, q.changes) for q in after.questions]
    assert sorted(questions) == sorted((q.fact, q.changes) for q in before.questions)
    moved = [q for q in questions if q[0] != "looked_after"]
    assert moved == [(q.fact, q.changes) for q in before.questions if q.fact != "looked_after"]
    if questions != [(q.fact, q.changes) for q in before.questions]:
        assert case["child_died"] == "yes" and case["looked_after"] == "unknown"
