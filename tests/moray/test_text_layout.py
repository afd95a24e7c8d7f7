"""The text advice fits a screen: what a practitioner acts on comes first, wrapped to the width."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import oracle
import pytest
from conftest import console_script
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import cases

import triage
from triage._recommendation_text import render_text
from triage._wording import contact_line, contact_name

SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}
ONE_CASE_PER_ROUTE = {
    "emergency_response": {"immediate_danger": "yes"},
    "child_protection_referral": {},
    "multiagency_escalation": {**SAFE, "agency_not_responding": "yes"},
    "decision_forum": {**SAFE, "decision_sought": "yes"},
    "learning_review_notification": {**SAFE, "significant_harm": "yes"},
    "reflective_case_discussion": {
        **SAFE,
        "multiagency": "yes",
        "complex": "yes",
        "reflection_sought": "yes",
    },
    "single_agency_route": {**SAFE, "complaint_or_conduct": "yes"},
    "no_additional_route": dict.fromkeys(oracle.BINARY_FACTS, "no") | {"plan_status": "none"},
}


def test_every_route_has_a_case() -> None:
    assert set(ONE_CASE_PER_ROUTE) == set(oracle.ROUTES)


def assess_at(columns: str, facts: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [console_script(), "assess", *(f"--fact={fact}={answer}" for fact, answer in facts.items())],
        capture_output=True,
        text=True,
        cwd=Path("/"),
        env={**os.environ, "COLUMNS": columns},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("route", oracle.ROUTES)
def test_the_primary_route_and_the_first_step_open_the_answer_at_80_columns(
    advisor: triage.Advisor, route: str
) -> None:
    lines = assess_at("80", ONE_CASE_PER_ROUTE[route])
    rec = advisor.assess(ONE_CASE_PER_ROUTE[route])
    opening = " ".join(" ".join(lines[:8]).split())
    assert f"Primary route: {rec.routes[0].title}" in opening
    assert " ".join(rec.first_steps[0].text.split()[:8]) in opening
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        ({**SAFE, "agency_not_responding": "yes"}, "raise it directly with the practitioner or agency"),
        (
            {**SAFE, "agency_not_responding": "yes", "direct_resolution_tried": "yes"},
            "take it to the next stage",
        ),
        ({**SAFE, "decision_sought": "yes", "plan_status": "none"}, "take it to social work"),
        (ONE_CASE_PER_ROUTE["reflective_case_discussion"], "consult your line manager"),
        ({}, "call 999 now"),
    ],
)
def test_the_first_step_is_the_concrete_action_with_the_notes_that_change_it(
    facts: dict[str, str], words: str
) -> None:
    lines = assess_at("80", facts)
    steps = lines.index("Do now:") if "Do now:" in lines else lines.index("First steps:")
    assert steps <= 3
    assert words in " ".join(" ".join(lines[steps : steps + 5]).split())
    assert "below" not in " ".join(lines[: steps + 5])


def test_the_text_wraps_to_a_wider_terminal() -> None:
    facts = ONE_CASE_PER_ROUTE["reflective_case_discussion"]
    wide = assess_at("120", facts)
    assert max(len(line) for line in wide) > 80
    assert all(len(line) <= 120 for line in wide)
    assert len(wide) < len(assess_at("80", facts))


def fits(line: str, width: int) -> bool:
    """Within the width, or one word too long to break (lines never break inside a word)."""
    return len(line) <= width or " " not in line.strip()


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_first_screen_holds_what_to_act_on(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    text = render_text(rec, width=80)
    lines = text.splitlines()
    assert all(fits(line, 80) for line in lines)
    screen = " ".join(" ".join(lines[:24]).split())
    assert f"Primary route: {advisor.pack.route[rec.primary_route].title}" in screen
    assert ("Provisional" in screen) == rec.provisional
    first = rec.routes[0]
    assert " ".join(rec.first_steps[0].text.split()) in screen
    if first.contacts:
        shown = contact_name(first.contacts[0]) if first.safety else contact_line(first.contacts[0])
        assert " ".join(shown.split()) in screen
    if rec.questions:
        label = "Provisional until answered:" if first.safety else "First open question:"
        assert f"{label} {' '.join(rec.questions[0].question.split())}" in screen
    # Every word of the advice text survives the wrapping whole.
    assert " ".join(first.next_steps[-1].split()) in " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(["yes", "unknown"]), st.sampled_from(["yes", "no", "unknown"]))
def test_a_safety_answer_is_at_most_25_lines(
    advisor: triage.Advisor, case: dict[str, str], danger: str, concern: str
) -> None:
    rec = advisor.assess({**case, "immediate_danger": danger, "unreported_harm_concern": concern})
    text = render_text(rec, width=80)
    assert len(text.splitlines()) <= 25


def test_a_not_sure_about_danger_answer_is_at_most_25_lines_and_says_999_first(
    advisor: triage.Advisor,
) -> None:
    lines = assess_at("80", {})
    assert len(lines) <= 25
    assert "call 999 now" in " ".join(" ".join(lines[:6]).split())


@settings(max_examples=200, deadline=None)
@given(cases())
def test_an_emergency_answer_names_the_focus_route_at_most_once(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    rec = advisor.assess({**case, "immediate_danger": "yes"})
    text = render_text(rec, width=80)
    focus_title = advisor.pack.route[advisor.pack.focus_route].title
    assert sum(focus_title in line for line in text.splitlines()) <= 1


def test_a_safety_answer_says_nothing_about_rcd_beyond_one_line(advisor: triage.Advisor) -> None:
    rec = advisor.assess({**SAFE, "unreported_harm_concern": "yes", "multiagency": "yes", "complex": "yes"})
    text = render_text(rec, width=80)
    assert sum("RCD" in line or "Reflective Case Discussion" in line for line in text.splitlines()) <= 2
    assert "Why (reasons and sources)" not in text and "Why:" in text


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_every_reason_and_note_in_a_full_answer_names_its_source(case: dict[str, str]) -> None:
    # "Never omit the reasons and the sources" (DOMAIN.md): each rule the text shows, a reason of
    # any route, a rule-out or a note, is shown with its source. A safety answer is short by
    # design and gives the sources of its own route only (the JSON and the record give all).
    rec = triage.assess(case)
    text = " ".join(render_text(rec).split())
    primary = rec.routes[0]
    shown = {rule for route in rec.routes for rule in route.rules}
    shown.update(out.rule for out in rec.ruled_out)
    shown.update(note.rule for note in rec.advice)
    for rule in rec.fired_rules:
        if rule.id not in shown or (primary.safety and rule.id not in primary.rules):
            continue
        # A safety answer cites its sources in words alone, beside each reason.
        cited = (
            f"({' '.join(f'source: {rule.source}'.split())})"
            if primary.safety
            else " ".join(f"[rule {rule.id}; source: {rule.source}]".split())
        )
        assert cited in text, rule.id


def test_an_emergency_answer_names_the_other_routes_in_words(advisor: triage.Advisor) -> None:
    rec = advisor.assess(
        {"immediate_danger": "yes", "unreported_harm_concern": "yes", "decision_sought": "yes"}
    )
    text = render_text(rec, width=80)
    after = " ".join(text.split("After this, also: ", 1)[1].split(rec.notice.split()[0], 1)[0].split())
    assert (
        after
        == "Child protection referral - share the concern now; Take the decision to the forum that owns it."
    )
    assert "child_protection_referral" not in text and "decision_forum" not in text
