"""The answers of the reasoning tools (interview, what-if, alternatives, why-not).

Pydantic models like `Recommendation`; their JSON (`model_dump(mode="json")`) is public API.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from triage._recommendation import FROZEN, Facts, GivenAnswer, Recommendation, RuledOut


class Question(BaseModel):
    """One question of an interview: the fact to answer, its wording and help, the answers allowed.

    >>> import triage
    >>> question = triage.Interview().next_question()
    >>> question.fact, question.safety, question.answers
    ('immediate_danger', True, ('yes', 'no', 'unknown'))
    """

    model_config = FROZEN
    fact: str
    text: str = Field(description="The question, as put to the practitioner.")
    help: str = Field(description="Help on answering it ('' when there is none).")
    answers: tuple[str, ...] = Field(description="The answers allowed, 'unknown' included.")
    safety: bool = Field(
        description="A safety question: asked first, and 'unknown' is treated as a precaution."
    )


class QuestionGroup(BaseModel):
    """The questions an interview asks together on one page: one question alone (a safety
    question always is), or some of a group the pack declares, under the group's heading.

    >>> import triage
    >>> page = triage.Interview().next_questions()
    >>> page.title, [question.fact for question in page.questions]
    ('', ['immediate_danger'])
    """

    model_config = FROZEN
    title: str = Field(description="The group's heading ('' for a question asked alone).")
    questions: tuple[Question, ...] = Field(description="The questions, in the order to show them.")


class Changes(BaseModel):
    """What a change of answers changed: ids only (the two Recommendations hold the details).

    >>> import triage
    >>> changed = triage.Advisor().what_if({"immediate_danger": "no"}, {"immediate_danger": "yes"}).changed
    >>> changed.primary_route, changed.routes_added, changed.rules_fired
    (True, ('emergency_response',), ('er_immediate_danger',))
    """

    model_config = FROZEN
    primary_route: bool = Field(description="Whether the primary route changed.")
    routes_added: tuple[str, ...] = Field(
        description="Routes recommended after but not before, most urgent first."
    )
    routes_removed: tuple[str, ...] = Field(
        description="Routes recommended before but not after, most urgent first."
    )
    rules_fired: tuple[str, ...] = Field(
        description="Rules that took effect after but not before, in pack order."
    )
    rules_unfired: tuple[str, ...] = Field(
        description="Rules that took effect before but not after, in pack order."
    )


class WhatIf(BaseModel):
    """The advice before and after a change of answers, and what changed.

    >>> import triage
    >>> what_if = triage.Advisor().what_if({}, {"immediate_danger": "yes"})
    >>> what_if.before.primary_route, what_if.after.primary_route
    ('child_protection_referral', 'emergency_response')
    """

    model_config = FROZEN
    before: Recommendation
    after: Recommendation
    changed: Changes


class Alternative(BaseModel):
    """A minimal change of answers that gives another primary route.

    >>> import triage
    >>> first = triage.Advisor().alternatives({}).alternatives[0]
    >>> first.set, first.primary_route
    ({'immediate_danger': 'yes'}, 'emergency_response')
    """

    model_config = FROZEN
    set: Facts = Field(description="Fact id -> the new answer, in the pack's fact order.")
    primary_route: str = Field(description="The primary route after the change.")
    title: str = Field(description="The title of that route.")


class Alternatives(BaseModel):
    """Every minimal change of answers (up to a number of facts) that changes the primary route.

    Minimal: no part of a change changes the primary route by itself. Fewest facts first, then the
    most urgent new primary route first.

    >>> import triage
    >>> found = triage.Advisor().alternatives({}, max_changes=2)
    >>> found.primary_route
    'child_protection_referral'
    >>> [(len(change.set), change.primary_route) for change in found.alternatives]
    [(1, 'emergency_response'), (2, 'no_additional_route')]
    """

    model_config = FROZEN
    primary_route: str = Field(description="The primary route for the answers as given.")
    title: str = Field(description="The title of that route.")
    alternatives: tuple[Alternative, ...]
    max_changes: int = Field(description="The most facts a change was allowed to set.")
    answers: tuple[GivenAnswer, ...] = Field(
        description="The answers as given: every fact of the pack in its order, with its question."
    )
    pack_title: str = Field(description="The question the pack answers.")
    notice: str


class FailedTest(BaseModel):
    """A part of a rule's condition that does not hold: the fact, the answers it needs, the answer.

    >>> import triage
    >>> why = triage.Advisor().why_not({"agency_not_responding": "no"}, "multiagency_escalation")
    >>> why.rules[0].failed[0]
    FailedTest(fact='agency_not_responding', needed=('yes',), given='no')
    """

    model_config = FROZEN
    fact: str
    needed: tuple[str, ...] = Field(description="Answers that would satisfy this part, in the fact's order.")
    given: str


class RuleCheck(BaseModel):
    """A rule that could recommend the route: whether it fired, and if not, what failed.

    >>> import triage
    >>> why = triage.Advisor().why_not({"immediate_danger": "yes"}, "emergency_response")
    >>> why.rules[0].rule, why.rules[0].fired, why.rules[0].failed
    ('er_immediate_danger', True, ())
    """

    model_config = FROZEN
    rule: str
    reason: str
    fired: bool
    failed: tuple[FailedTest, ...] = Field(description="Empty when the rule fired.")


class WhyNot(BaseModel):
    """Why a route is, or is not, recommended for a case.

    >>> import triage
    >>> why = triage.Advisor().why_not({}, "multiagency_escalation")
    >>> why.recommended, why.could_be_recommended, why.depends_on[:2]
    (False, True, ('professional_disagreement', 'agency_not_responding'))
    """

    model_config = FROZEN
    route: str
    title: str
    recommended: bool
    primary_route: str
    primary_title: str = Field(description="The title of the primary route.")
    rules: tuple[RuleCheck, ...] = Field(description="Every rule that can recommend the route.")
    ruled_out_by: tuple[RuledOut, ...] = Field(description="Rules that ruled the route out for this case.")
    could_be_recommended: bool = Field(
        description="Whether some answers to the facts still unknown would recommend the route."
    )
    depends_on: tuple[str, ...] = Field(
        description="Unknown facts on which that depends, in the pack's order."
    )
    explanation: tuple[str, ...] = Field(description="The same, in plain words.")
    notice: str
