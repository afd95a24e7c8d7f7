"""The decision semantics table of DOMAIN.md, written out by hand, independent of the rule pack.

Tests compare the advisor with it; if someone edits the pack so that it no longer encodes the
table, these tests fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping

ROUTES = (
    "emergency_response",
    "child_protection_referral",
    "multiagency_escalation",
    "decision_forum",
    "learning_review_notification",
    "reflective_case_discussion",
    "single_agency_route",
    "no_additional_route",
)
BINARY_FACTS = (
    "immediate_danger",
    "unreported_harm_concern",
    "child_died",
    "significant_harm",
    "carm_harm",
    "effective_practice",
    "interagency_learning",
    "looked_after",
    "professional_disagreement",
    "agency_not_responding",
    "within_one_agency",
    "direct_resolution_tried",
    "decision_sought",
    "reflection_sought",
    "multiagency",
    "complex",
    "not_progressing",
    "drift_reason_known",
    "manager_consulted",
    "complaint_or_conduct",
)
PLAN_STATUS = ("child_protection_plan", "childs_plan", "looked_after", "none", "unknown")
SAFETY_FACTS = ("immediate_danger", "unreported_harm_concern")
SAFETY_ROUTES = ("emergency_response", "child_protection_referral")


def routes(f: Mapping[str, str]) -> list[str]:
    def y(k: str) -> bool:
        return f[k] == "yes"

    def n(k: str) -> bool:
        return f[k] == "no"

    def u(k: str) -> bool:
        return f[k] == "unknown"

    found = []
    if y("immediate_danger"):
        found.append("emergency_response")
    if not n("unreported_harm_concern") or u("immediate_danger"):
        found.append("child_protection_referral")
    if (y("agency_not_responding") or y("professional_disagreement")) and not y("within_one_agency"):
        found.append("multiagency_escalation")
    if y("decision_sought"):
        found.append("decision_forum")
    if (
        ((y("significant_harm") or y("carm_harm")) and not n("interagency_learning"))
        or (y("effective_practice") and y("interagency_learning"))
        or (y("child_died") and not n("interagency_learning"))
        or (y("child_died") and y("looked_after"))
    ):
        found.append("learning_review_notification")
    rcd = y("multiagency") and (y("complex") or (y("not_progressing") and n("drift_reason_known")))
    ruled_out = n("multiagency") or n("reflection_sought") or y("child_died")
    if rcd and not ruled_out:
        found.append("reflective_case_discussion")
    if y("complaint_or_conduct") or (
        (y("professional_disagreement") or y("agency_not_responding")) and y("within_one_agency")
    ):
        found.append("single_agency_route")
    return found or ["no_additional_route"]


def primary(f: Mapping[str, str]) -> str:
    return routes(f)[0]


def completions(f: Mapping[str, str], held: Collection[str] = ()):  # type: ignore[no-untyped-def]
    """Every way of answering the unknown facts (yes/no; plan_status: a named plan); facts in
    `held` keep their answer, even 'unknown' (an interview's final answer)."""
    unknown = [k for k, v in f.items() if v == "unknown" and k not in held]
    choices = [PLAN_STATUS[:-1] if k == "plan_status" else ("yes", "no") for k in unknown]
    for values in itertools.product(*choices):
        yield {**f, **dict(zip(unknown, values, strict=True))}


def provisional(f: Mapping[str, str]) -> bool:
    now = primary(f)
    return any(primary(c) != now for c in completions(f))


def questions(f: Mapping[str, str]) -> set[str]:
    """Unknown facts whose answer can change the primary route, for some answers to the others."""
    found = set()
    for fact in (k for k, v in f.items() if v == "unknown"):
        values = PLAN_STATUS[:-1] if fact == "plan_status" else ("yes", "no")
        for c in completions({**f, fact: "answered below"}):
            if len({primary({**c, fact: value}) for value in values}) > 1:
                found.add(fact)
                break
    return found


def question_order(f: Mapping[str, str]) -> list[str]:
    """The questions, safety facts first, then by the urgency of the most urgent route whose being
    primary the fact's answer can change, then in the pack's order."""
    order = (*BINARY_FACTS, "plan_status")

    def urgency(fact: str) -> int:
        values = PLAN_STATUS[:-1] if fact == "plan_status" else ("yes", "no")
        changed = set()
        for c in completions({**f, fact: "answered below"}):
            primaries = {primary({**c, fact: value}) for value in values}
            if len(primaries) > 1:
                changed |= primaries
        return min(ROUTES.index(route) for route in changed)

    def early(fact: str) -> bool:  # pack 1.2: see looked_after_early
        return fact == "looked_after" and f["child_died"] == "yes"

    return sorted(
        questions(f),
        key=lambda fact: (fact not in SAFETY_FACTS, not early(fact), urgency(fact), order.index(fact)),
    )


def rcd_status(f: Mapping[str, str]) -> str:
    if "reflective_case_discussion" in routes(f):
        return "recommended"
    if any("reflective_case_discussion" in routes(c) for c in completions(f)):
        return "possible"
    return "not_recommended"


FORUM_NOTES = {
    "child_protection_plan": "advice_forum_cp_plan",
    "childs_plan": "advice_forum_childs_plan",
    "looked_after": "advice_forum_looked_after",
    "none": "advice_forum_no_plan",
    "unknown": "advice_forum_plan_unknown",
}


def notes(f: Mapping[str, str]) -> set[str]:
    """The advice notes (rule ids) of a case: DOMAIN.md's "Advice notes" list, then the notes that
    name the decision forum (its `decision_forum` route), the note on a known reason for drift,
    and raising a matter within one agency."""
    found = routes(f)
    rcd = "reflective_case_discussion" in found
    raised = f["professional_disagreement"] == "yes" or f["agency_not_responding"] == "yes"
    expected = set()
    if rcd and f["manager_consulted"] != "yes":
        expected.add("advice_consult_manager")
    if "multiagency_escalation" in found:
        tried = f["direct_resolution_tried"] == "yes"
        expected.add("advice_escalation_next_stage" if tried else "advice_escalation_stage_one")
        if tried:
            expected.add("advice_escalation_ird")
    if raised and f["within_one_agency"] == "yes" and f["direct_resolution_tried"] != "yes":
        expected.add("advice_raise_directly_within_agency")
    if f["decision_sought"] == "yes" and rcd:
        expected.add("advice_rcd_not_decision")
    if "learning_review_notification" in found and rcd:
        expected.add("advice_lr_rcd_timing")
    if f["child_died"] == "yes":
        expected |= {"advice_child_died", "advice_child_death_review"}
    if f["child_died"] == "yes" and f["looked_after"] == "unknown":
        expected.add("advice_looked_after_unknown")
    if f["child_died"] == "yes" and f["looked_after"] == "yes":
        expected.add("advice_looked_after_death")
    # Precautionary: the referral is recommended, but not because of a known concern.
    if "child_protection_referral" in found and f["unreported_harm_concern"] != "yes":
        expected.add("advice_referral_precautionary")
    if f["immediate_danger"] == "unknown":
        expected.add("advice_danger_unknown")
    if "decision_forum" in found:
        expected |= {FORUM_NOTES[f["plan_status"]], "advice_reporter"}
        if f["plan_status"] == "child_protection_plan":
            expected.add("advice_forum_cp_plan_urgency")
    if f["not_progressing"] == "yes" and f["drift_reason_known"] == "yes":
        expected.add("advice_known_drift_reason")
    return expected


# --- the three lists of open questions (DESIGN.md), by brute force over every completion --------

ROUTE_NOTES = {
    "multiagency_escalation": {
        "advice_escalation_stage_one",
        "advice_escalation_next_stage",
        "advice_escalation_ird",
    },
    "decision_forum": {*FORUM_NOTES.values(), "advice_forum_cp_plan_urgency", "advice_reporter"},
    "learning_review_notification": {"advice_looked_after_death", "advice_lr_rcd_timing"},
    "reflective_case_discussion": {
        "advice_consult_manager",
        "advice_rcd_not_decision",
        "advice_rcd_new_concern",
    },
    "single_agency_route": {"advice_raise_directly_within_agency"},
    "child_protection_referral": {"advice_referral_precautionary", "advice_danger_unknown"},
}
"""The notes that belong to a route (shown only when it is recommended): its own advice."""


def own_advice(route: str):  # type: ignore[no-untyped-def]
    """The notes of `route`'s own advice while it is the primary route (None when it is not)."""

    def outcome(f: Mapping[str, str]) -> frozenset[str] | None:
        return frozenset(notes(f) & ROUTE_NOTES.get(route, set())) if primary(f) == route else None

    return outcome


def answers_of(fact: str) -> tuple[str, ...]:
    return PLAN_STATUS[:-1] if fact == "plan_status" else ("yes", "no")


def can_change(f: Mapping[str, str], fact: str, outcome, held: Collection[str] = ()) -> bool:  # type: ignore[no-untyped-def]
    """Some completion of the other unknowns in which answering `fact` gives different outcomes."""
    return any(
        len({outcome({**c, fact: value}) for value in answers_of(fact)}) > 1
        for c in completions({**f, fact: "answered below"}, held)
    )


def question_lists(f: Mapping[str, str], held: Collection[str] = ()) -> list[tuple[str, str]]:
    """The open questions as (fact, changes), in DESIGN.md's three lists, in order. Facts in
    `held` are not open: they keep their answer, even 'unknown'."""
    order = (*BINARY_FACTS, "plan_status")
    unknown = [k for k in order if f[k] == "unknown" and k not in held]
    now = primary(f)
    first = [k for k in unknown if can_change(f, k, primary, held)]

    def urgency(fact: str) -> int:
        changed = set()
        for c in completions({**f, fact: "answered below"}, held):
            primaries = {primary({**c, fact: value}) for value in answers_of(fact)}
            if len(primaries) > 1:
                changed |= primaries
        return min(ROUTES.index(route) for route in changed)

    first.sort(key=lambda fact: (fact not in SAFETY_FACTS, urgency(fact), order.index(fact)))
    found = [(fact, "primary_route") for fact in first]
    if now in SAFETY_ROUTES and all(primary(c) in SAFETY_ROUTES for c in completions(f, held)):
        return looked_after_early(f, found)
    focus = [
        k
        for k in unknown
        if k not in first and can_change(f, k, lambda c: "reflective_case_discussion" in routes(c), held)
    ]
    found += [(fact, "focus_route") for fact in focus]
    found += [
        (k, "next_steps")
        for k in unknown
        if k not in first and k not in focus and can_change(f, k, own_advice(now), held)
    ]
    return looked_after_early(f, found)


def looked_after_early(f: Mapping[str, str], found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pack 1.2: after a child's death, whether the child was looked after is asked straight after
    the safety questions (the notifications are due within one working day)."""
    if f["child_died"] != "yes":
        return found
    moved = [question for question in found if question[0] == "looked_after"]
    rest = [question for question in found if question[0] != "looked_after"]
    lead = sum(fact in SAFETY_FACTS for fact, _ in rest)
    return rest[:lead] + moved + rest[lead:]


def interview_next(f: Mapping[str, str], held: Collection[str]) -> str | None:
    """The question an interview asks next: the first of the case's lists still open while the
    answers given (`held`) keep their answer."""
    still_open = {fact for fact, _ in question_lists(f, held)}
    return next((fact for fact, _ in question_lists(f) if fact in still_open), None)
