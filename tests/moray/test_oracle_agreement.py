"""The Moray pack against the hand-written decision table of DOMAIN.md (tests/moray/oracle.py):
its documented ids, the interview's order, why-not and what-if agree with the table. These are the
Moray pack's own expectations; the same mechanisms are tested on any pack elsewhere."""

from __future__ import annotations

import oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import cases, changes

import triage


def test_default_pack_loads_with_every_documented_id() -> None:
    pack = triage.load_pack(triage.default_pack_path())
    assert tuple(route.id for route in pack.routes) == oracle.ROUTES
    assert tuple(pack.fact) == (*oracle.BINARY_FACTS, "plan_status")
    assert tuple(f.id for f in pack.facts if f.safety) == oracle.SAFETY_FACTS
    assert pack.fact["plan_status"].answers == oracle.PLAN_STATUS


@settings(max_examples=150, deadline=None)
@given(cases(max_unknown=8), st.data())
def test_the_interview_follows_the_three_lists_exactly(
    advisor: triage.Advisor, case: dict[str, str], data: st.DataObject
) -> None:
    """Start from some answers (an 'unknown' among them is final), then answer from the case."""
    left_out = data.draw(st.lists(st.sampled_from(sorted(case)), unique=True, max_size=6))
    given_answers = {fact: answer for fact, answer in case.items() if fact not in left_out}
    interview = triage.Interview(advisor, given_answers)
    while True:
        current = {**case, **dict.fromkeys(left_out, "unknown"), **interview.answers}
        expected = oracle.interview_next(current, held=interview.answers)
        question = interview.next_question()
        assert (question.fact if question else None) == expected
        if question is None:
            break
        interview.answer(question.fact, case[question.fact])
    rec = interview.recommendation()
    if "unknown" not in interview.answers.values() and rec.primary_route not in oracle.SAFETY_ROUTES:
        assert rec.rcd.status != "possible"  # whether an RCD is recommended is settled
        assert rec.questions == ()
    if rec.primary_route == "decision_forum" and "unknown" not in interview.answers.values():
        assert "plan_status" in interview.answers


@settings(max_examples=200, deadline=None)
@given(cases(max_unknown=6), st.sampled_from(oracle.ROUTES))
def test_why_not_agrees_with_the_table(advisor: triage.Advisor, case: dict[str, str], route: str) -> None:
    result = advisor.why_not(case, route)
    routes = oracle.routes(case)
    assert result.recommended == (route in routes)
    assert result.primary_route == routes[0]
    if not result.recommended:
        some_answers_would = any(route in oracle.routes(c) for c in oracle.completions(case))
        assert result.could_be_recommended == some_answers_would
        assert set(result.depends_on) <= {fact for fact, answer in case.items() if answer == "unknown"}
    for check in result.rules:
        assert advisor.pack.rule[check.rule].route == route
        assert check.fired == (check.failed == ())
        for test in check.failed:
            assert test.given == case[test.fact]
            assert test.given not in test.needed


@settings(max_examples=200, deadline=None)
@given(cases(), changes())
def test_what_if_reports_what_changed_as_the_table_says(
    advisor: triage.Advisor, case: dict[str, str], change: dict[str, str]
) -> None:
    result = advisor.what_if(case, change)
    after_case = {**case, **change}
    before, after = oracle.routes(case), oracle.routes(after_case)
    assert result.before.primary_route == before[0]
    assert result.after.primary_route == after[0]
    assert result.after.audit.facts == after_case
    assert result.changed.primary_route == (before[0] != after[0])
    assert result.changed.routes_added == tuple(route for route in after if route not in before)
    assert result.changed.routes_removed == tuple(route for route in before if route not in after)
    fired_before = {rule.id for rule in result.before.fired_rules}
    fired_after = {rule.id for rule in result.after.fired_rules}
    assert set(result.changed.rules_fired) == fired_after - fired_before
    assert set(result.changed.rules_unfired) == fired_before - fired_after


def test_every_brief_point_is_cited() -> None:
    pack = triage.load_pack(triage.default_pack_path())
    cited = " ".join(
        [r.source.section for r in pack.rules if r.source.document == "brief"]
        + [s.section for route in pack.routes for s in route.sources if s.document == "brief"]
    )
    for point in ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11"):
        assert point in cited, point
    assert all(contact.as_of == "2023-07" for contact in pack.contacts.values() if contact.source == "brief")
