"""The default pack encodes the decision semantics table of DOMAIN.md exactly.

`oracle.py` writes the table out by hand; hypothesis compares it with the advisor on many cases.
"""

from __future__ import annotations

import oracle
from hypothesis import given, settings
from strategies import cases

import triage


@settings(max_examples=600, deadline=None)
@given(cases())
def test_routes_follow_the_semantics_table(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    assert [route.id for route in rec.routes] == oracle.routes(case)
    assert rec.primary_route == oracle.primary(case)


@settings(max_examples=300, deadline=None)
@given(cases(max_unknown=7))
def test_provisional_questions_and_rcd_status_are_exact(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    rec = advisor.assess(case)
    assert rec.provisional == oracle.provisional(case)
    assert {q.fact for q in rec.questions if q.changes == "primary_route"} == oracle.questions(case)
    assert rec.rcd.status == oracle.rcd_status(case)


@settings(max_examples=300, deadline=None)
@given(cases(max_unknown=6))
def test_questions_are_ordered_by_the_urgency_of_what_they_can_change(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    questions = advisor.assess(case).questions
    assert [q.fact for q in questions if q.changes == "primary_route"] == oracle.question_order(case)


def test_a_disagreement_question_comes_before_learning_review_questions(advisor: triage.Advisor) -> None:
    case = dict.fromkeys(oracle.BINARY_FACTS, "no") | {"plan_status": "none"}
    for fact in (
        "child_died",
        "interagency_learning",
        "professional_disagreement",
        "direct_resolution_tried",
    ):
        case[fact] = "unknown"
    assert [(q.fact, q.changes) for q in advisor.assess(case).questions] == [
        ("professional_disagreement", "primary_route"),
        ("child_died", "primary_route"),
        ("interagency_learning", "primary_route"),
    ]


@settings(max_examples=300, deadline=None)
@given(cases(max_unknown=6))
def test_questions_follow_the_three_lists_exactly(advisor: triage.Advisor, case: dict[str, str]) -> None:
    assert [(q.fact, q.changes) for q in advisor.assess(case).questions] == oracle.question_lists(case)


def test_a_settled_safety_route_asks_nothing_else(advisor: triage.Advisor) -> None:
    rec = advisor.assess(
        {"immediate_danger": "no", "unreported_harm_concern": "yes", "decision_sought": "yes"}
    )
    assert rec.primary_route == "child_protection_referral"
    assert rec.questions == ()
    rec = advisor.assess({"immediate_danger": "unknown", "unreported_harm_concern": "yes"})
    assert [(q.fact, q.changes) for q in rec.questions] == [("immediate_danger", "primary_route")]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_questions_put_safety_facts_first(advisor: triage.Advisor, case: dict[str, str]) -> None:
    facts = [q.fact for q in advisor.assess(case).questions]
    safety = [fact in oracle.SAFETY_FACTS for fact in facts]
    assert safety == sorted(safety, reverse=True)


def test_rcd_ruled_out_when_child_died(advisor: triage.Advisor) -> None:
    rec = advisor.assess(
        {"child_died": "yes", "multiagency": "yes", "complex": "yes", "reflection_sought": "yes"}
    )
    assert "reflective_case_discussion" not in [route.id for route in rec.routes]
    assert ("reflective_case_discussion", "rcd_out_child_died") in [(o.route, o.rule) for o in rec.ruled_out]
    assert any(note.rule == "advice_child_died" for note in rec.advice)


def test_ruled_out_lists_every_rule_out_even_without_a_recommend(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"multiagency": "no", "reflection_sought": "no", "complex": "no"})
    assert {o.rule for o in rec.ruled_out} == {"rcd_out_single_agency", "rcd_out_no_reflection"}


def test_decision_and_reflection_both_sought(advisor: triage.Advisor) -> None:
    rec = advisor.assess(
        {"decision_sought": "yes", "reflection_sought": "yes", "multiagency": "yes", "complex": "yes"}
    )
    ids = [route.id for route in rec.routes]
    assert ids.index("decision_forum") < ids.index("reflective_case_discussion")
    assert "advice_rcd_not_decision" in [note.rule for note in rec.advice]


def test_consult_manager_first_when_rcd_recommended(advisor: triage.Advisor) -> None:
    base = {
        "multiagency": "yes",
        "complex": "yes",
        "reflection_sought": "yes",
        "immediate_danger": "no",
        "unreported_harm_concern": "no",
    }
    assert "advice_consult_manager" in [n.rule for n in advisor.assess(base).advice]
    consulted = advisor.assess({**base, "manager_consulted": "yes"})
    assert "advice_consult_manager" not in [n.rule for n in consulted.advice]


def test_escalation_starts_at_stage_one(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"professional_disagreement": "yes", "direct_resolution_tried": "no"})
    assert "multiagency_escalation" in [route.id for route in rec.routes]
    notes = [n.rule for n in rec.advice]
    assert "advice_escalation_stage_one" in notes and "advice_escalation_next_stage" not in notes
    tried = advisor.assess({"professional_disagreement": "yes", "direct_resolution_tried": "yes"})
    notes = [n.rule for n in tried.advice]
    assert "advice_escalation_next_stage" in notes and "advice_escalation_stage_one" not in notes


def test_unknown_danger_is_precautionary_never_an_emergency(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"immediate_danger": "unknown", "unreported_harm_concern": "no"})
    assert rec.primary_route == "child_protection_referral"
    assert "emergency_response" not in [route.id for route in rec.routes]
    notes = {note.rule: note.text for note in rec.advice}
    assert "call 999 now" in notes["advice_danger_unknown"]
    assert "The child protection referral is precautionary" in notes["advice_referral_precautionary"]


def test_a_known_concern_is_never_called_precautionary(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"immediate_danger": "unknown", "unreported_harm_concern": "yes"})
    assert rec.primary_route == "child_protection_referral"
    notes = {note.rule: note.text for note in rec.advice}
    assert "call 999 now" in notes["advice_danger_unknown"]
    assert "advice_referral_precautionary" not in notes
    assert "precaution" not in " ".join(notes.values()).lower()


@settings(max_examples=600, deadline=None)
@given(cases())
def test_advice_notes_appear_exactly_under_their_conditions(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    rules = [note.rule for note in advisor.assess(case).advice]
    assert len(rules) == len(set(rules))
    assert set(rules) == oracle.notes(case)


def test_raise_directly_names_the_right_next_step(advisor: triage.Advisor) -> None:
    def note(within: str) -> str:
        rec = advisor.assess({"professional_disagreement": "yes", "within_one_agency": within})
        (text,) = [n.text for n in rec.advice if n.rule.startswith(("advice_raise", "advice_escalation"))]
        return " ".join(text.split())

    assert note("yes").endswith("take it to your line management.")
    assert "Escalation" not in note("yes")
    for within in ("no", "unknown"):
        assert note(within).startswith("Escalation, stage 1: raise it directly")
        assert "timescale that fits the child's risk" in note(within)


def test_forum_named_from_the_plan(advisor: triage.Advisor) -> None:
    for plan, rule in [
        ("child_protection_plan", "advice_forum_cp_plan"),
        ("childs_plan", "advice_forum_childs_plan"),
        ("looked_after", "advice_forum_looked_after"),
        ("none", "advice_forum_no_plan"),
        ("unknown", "advice_forum_plan_unknown"),
    ]:
        rec = advisor.assess({"decision_sought": "yes", "plan_status": plan})
        rules = [n.rule for n in rec.advice]
        assert rule in rules and "advice_reporter" in rules


def test_forum_advice_only_when_a_decision_is_sought(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"decision_sought": "no", "plan_status": "child_protection_plan"})
    assert not [n for n in rec.advice if n.rule.startswith("advice_forum")]
