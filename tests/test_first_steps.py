"""The first steps of an answer: the concrete first action, with the notes that change it folded
in, then the primary route's own steps; safety first."""

from __future__ import annotations

from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import cases

import triage

TOY = ROOT / "tests" / "packs" / "toy"


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_first_steps_are_the_notes_that_change_the_action_then_the_routes_own_steps(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    rec = advisor.assess(case)
    primary, rule = rec.routes[0], advisor.pack.rule
    notes = [
        note.rule
        for note in rec.advice
        if rule[note.rule].first_step and rule[note.rule].requires_route in (None, primary.id)
    ]
    steps = [step.rule for step in rec.first_steps]
    own_steps = [None] * len(primary.next_steps)
    if primary.safety:  # the safety route's own notes and steps before the notes for any route
        own = [note for note in notes if rule[note].requires_route == primary.id]
        assert steps == own + own_steps + [note for note in notes if note not in own]
    else:
        assert steps == notes + own_steps
    assert [step.text for step in rec.first_steps if step.rule is None] == list(primary.next_steps)
    for step in rec.first_steps:
        assert "below" not in step.text  # nothing in them sends the reader elsewhere
        assert step.source


@settings(max_examples=100, deadline=None)
@given(case=cases(), danger=st.sampled_from(["yes", "unknown"]))
def test_the_first_step_says_999_whenever_danger_is_yes_or_not_known(
    advisor: triage.Advisor, case: dict[str, str], danger: str
) -> None:
    rec = advisor.assess({**case, "immediate_danger": danger})
    assert "999" in rec.first_steps[0].text


def test_a_pack_without_first_step_notes_gives_its_routes_own_steps() -> None:
    advisor = triage.Advisor(TOY)
    assert not any(rule.first_step for rule in advisor.pack.rules)
    rec = advisor.assess({"data_exposed": "no", "service_down": "yes", "users_affected": "many"})
    assert [step.text for step in rec.first_steps] == list(rec.routes[0].next_steps)
    assert {step.rule for step in rec.first_steps} == {None}
