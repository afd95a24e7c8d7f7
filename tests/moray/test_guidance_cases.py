"""Cases drawn from the national guidance and comparable procedures (DOMAIN.md, packs 1.1 and 1.2).

Each case states only what the situation says; every other fact stays unknown unless the case
needs it known. The safety facts are answered no where the situation is already known to social
work, so that the case tests the route it is about.
"""

from __future__ import annotations

import triage

SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}


def advise(advisor: triage.Advisor, **facts: str) -> triage.Recommendation:
    return advisor.assess({**SAFE, **facts})


def route_ids(rec: triage.Recommendation) -> list[str]:
    return [route.id for route in rec.routes]


def notes(rec: triage.Recommendation) -> dict[str, str]:
    return {note.rule: " ".join(note.text.split()) for note in rec.advice}


def everything_said(rec: triage.Recommendation) -> str:
    said = [note.text for note in rec.advice]
    said += [step for route in rec.routes for step in route.next_steps]
    return " ".join(" ".join(said).split())


def test_paediatrician_disputes_no_further_action_not_yet_raised(advisor: triage.Advisor) -> None:
    """A paediatrician disputes social work's 'no further action' on a bruised baby who cannot
    yet move about, and has not raised it directly yet: escalation, stage 1, now."""
    rec = advise(
        advisor,
        professional_disagreement="yes",
        within_one_agency="no",
        direct_resolution_tried="no",
    )
    assert rec.primary_route == "multiagency_escalation"
    assert not rec.provisional
    stage = notes(rec)["advice_escalation_stage_one"]
    assert "raise it directly" in stage and "timescale that fits the child's risk" in stage
    assert "advice_escalation_next_stage" not in notes(rec)
    assert "named person" not in everything_said(rec)
    assert "single_agency_route" not in route_ids(rec)


def test_disagreement_raised_and_unresolved_goes_to_the_next_stage(advisor: triage.Advisor) -> None:
    rec = advise(
        advisor, professional_disagreement="yes", within_one_agency="no", direct_resolution_tried="yes"
    )
    assert rec.primary_route == "multiagency_escalation"
    assert "next stage" in notes(rec)["advice_escalation_next_stage"]
    assert "advice_escalation_stage_one" not in notes(rec)


def test_agency_not_responding_with_the_stage_still_to_find_out(advisor: triage.Advisor) -> None:
    rec = advise(advisor, agency_not_responding="yes", within_one_agency="no")
    assert rec.primary_route == "multiagency_escalation"
    assert "advice_escalation_stage_one" in notes(rec)
    # Which stage applies is a question about the next steps, not about the route.
    assert ("direct_resolution_tried", "next_steps") in [(q.fact, q.changes) for q in rec.questions]


def test_a_disagreement_inside_one_agency_stays_in_that_agency(advisor: triage.Advisor) -> None:
    rec = advise(
        advisor, professional_disagreement="yes", within_one_agency="yes", direct_resolution_tried="no"
    )
    assert "multiagency_escalation" not in route_ids(rec)
    assert "single_agency_route" in route_ids(rec)
    assert "line management" in notes(rec)["advice_raise_directly_within_agency"]


def test_harm_that_built_up_with_learning_unknown_is_notified(advisor: triage.Advisor) -> None:
    """Neglect that built up over time harmed a child significantly; whether there is learning
    about how agencies worked together is not known: notify, the CPC judges the learning."""
    rec = advise(advisor, significant_harm="yes", interagency_learning="unknown")
    assert rec.primary_route == "learning_review_notification"
    steps = " ".join(rec.routes[0].next_steps)
    assert "notification form in the annex" in " ".join(steps.split())


def test_carm_harm_with_learning_unknown_is_notified(advisor: triage.Advisor) -> None:
    rec = advise(advisor, carm_harm="yes", interagency_learning="unknown")
    assert rec.primary_route == "learning_review_notification"


def test_effective_practice_is_notified_only_with_learning(advisor: triage.Advisor) -> None:
    unknown = advise(advisor, effective_practice="yes", interagency_learning="unknown")
    assert "learning_review_notification" not in route_ids(unknown)
    assert "interagency_learning" in [q.fact for q in unknown.questions]
    known = advise(advisor, effective_practice="yes", interagency_learning="yes")
    assert "learning_review_notification" in route_ids(known)


def test_no_plan_and_a_decision_about_risk_goes_to_social_work(advisor: triage.Advisor) -> None:
    rec = advise(advisor, decision_sought="yes", plan_status="none")
    assert rec.primary_route == "decision_forum"
    forum = notes(rec)["advice_forum_no_plan"]
    assert "social work" in forum and "Inter-agency Referral Discussion" in forum
    assert "Child Protection Planning Meeting" in forum
    assert "named person" not in everything_said(rec)


def test_a_childrens_hearing_only_through_the_reporter(advisor: triage.Advisor) -> None:
    for plan in ("child_protection_plan", "childs_plan", "looked_after", "none", "unknown"):
        rec = advise(advisor, decision_sought="yes", plan_status=plan)
        reporter = notes(rec)["advice_reporter"]
        assert "Children's Reporter (at any stage), who considers whether compulsory measures" in reporter
        others = [text for rule, text in notes(rec).items() if rule != "advice_reporter"]
        assert not any("Hearing" in text for text in others), plan


def first_steps(rec: triage.Recommendation) -> list[str]:
    return [" ".join(step.text.split()) for step in rec.first_steps]


def test_a_registered_child_at_risk_tonight_is_told_to_act_now_not_given_3_days(
    advisor: triage.Advisor,
) -> None:
    """A registered child, a violent ex-partner expected home tonight, the core group wants the
    plan changed (pack 1.2): the first step says act now if the child may be at risk now, and the
    3 days are "within 3 calendar days, or as urgently as necessary" (NG 3.133, 3.137), a limit."""
    rec = advise(advisor, decision_sought="yes", plan_status="child_protection_plan", multiagency="yes")
    assert rec.primary_route == "decision_forum"
    first = first_steps(rec)[0]
    assert first.startswith("If the child may be at risk now, act now")
    assert "within 3 calendar days, or as urgently as necessary to safeguard the child" in first
    assert "not a grace period" in first
    assert "within 3 calendar days" not in notes(rec)["advice_forum_cp_plan"]


def test_a_sudden_death_with_looked_after_status_unknown_gives_the_one_working_day_duty_first(
    advisor: triage.Advisor,
) -> None:
    """A sudden death, and the person asking does not know whether the child was looked after
    (pack 1.2): find out today, for the local authority's notifications within one working day,
    among the first steps; the looked after question comes straight after the safety questions."""
    rec = advise(advisor, child_died="yes")
    assert rec.primary_route == "learning_review_notification"
    duty = next(step for step in first_steps(rec) if "one working day" in step)
    assert duty.startswith("Find out today if the child was looked after")
    assert "Scottish Ministers and Care Inspectorate within one working day" in duty
    assert first_steps(rec).index(duty) == 0
    assert rec.questions[0].fact == "looked_after"
    unsure = advisor.assess({"child_died": "yes"})
    assert [question.fact for question in unsure.questions][:3] == [
        "immediate_danger",
        "unreported_harm_concern",
        "looked_after",
    ]
    assert any("one working day" in step for step in first_steps(unsure))


def test_death_of_a_looked_after_child(advisor: triage.Advisor) -> None:
    rec = advise(
        advisor,
        child_died="yes",
        looked_after="yes",
        interagency_learning="no",
        multiagency="yes",
        complex="yes",
        reflection_sought="yes",
    )
    assert rec.primary_route == "learning_review_notification"
    assert "reflective_case_discussion" in [out.route for out in rec.ruled_out]
    said = notes(rec)
    assert "one working day" in said["advice_looked_after_death"]
    assert "social work manager" in said["advice_looked_after_death"]
    assert "other children" in said["advice_child_died"]


def test_a_death_with_clearly_no_learning_still_considers_the_other_children(advisor: triage.Advisor) -> None:
    rec = advise(advisor, child_died="yes", looked_after="no", interagency_learning="no")
    assert "learning_review_notification" not in route_ids(rec)
    assert "child protection referral" in notes(rec)["advice_child_died"]
    assert "advice_looked_after_death" not in notes(rec)


def test_harm_and_an_rcd_about_the_same_events_agree_timing_with_the_cpc(advisor: triage.Advisor) -> None:
    rec = advise(
        advisor,
        significant_harm="yes",
        interagency_learning="yes",
        multiagency="yes",
        complex="yes",
        reflection_sought="yes",
        child_died="no",
    )
    assert route_ids(rec)[:2] == ["learning_review_notification", "reflective_case_discussion"]
    assert "agree its timing with the Child Protection Committee" in notes(rec)["advice_lr_rcd_timing"]


def test_a_new_concern_during_an_rcd_is_referred_at_once(advisor: triage.Advisor) -> None:
    rec = advise(advisor, multiagency="yes", complex="yes", reflection_sought="yes")
    steps = " ".join(" ".join(rec.routes[0].next_steps).split())
    assert rec.primary_route == "reflective_case_discussion"
    assert "raised during the discussion, is shared at once" in steps


def test_the_referral_says_without_delay_and_names_moray_services(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"immediate_danger": "no", "unreported_harm_concern": "yes"})
    assert rec.primary_route == "child_protection_referral"
    step = " ".join(rec.routes[0].next_steps[0].split())
    assert "without delay" in step
    assert "Access Team (office hours)" in step and "Out of Hours service" in step
    assert rec.questions == ()  # a settled safety route: act first


def test_being_on_the_register_alone_is_not_a_reason_to_notify(advisor: triage.Advisor) -> None:
    rec = advise(advisor, significant_harm="no", carm_harm="no", effective_practice="no", child_died="no")
    assert "learning_review_notification" not in route_ids(rec)
    help_text = advisor.pack.fact["significant_harm"].help
    assert "register" in help_text
