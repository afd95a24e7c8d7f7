"""Properties that must hold for every case."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FACTS, SAFETY_ROUTES, answers_of, cases, partial_answers

import triage
from triage.engine import ReferenceMatcher
from triage.engine._durable_rules import DurableMatcher


@settings(max_examples=500, deadline=None)
@given(cases())
def test_a_safety_route_that_applies_is_primary(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    routes = [route.id for route in rec.routes]
    if any(route in SAFETY_ROUTES for route in routes):
        assert rec.primary_route in SAFETY_ROUTES
        assert rec.primary_route == routes[0]


@settings(max_examples=200, deadline=None)
@given(cases())
def test_same_answers_same_advice(advisor: triage.Advisor, case: dict[str, str]) -> None:
    first = advisor.assess(case).model_dump(mode="json")
    second = triage.Advisor().assess(dict(reversed(list(case.items())))).model_dump(mode="json")
    for dump in (first, second):
        dump["audit"].pop("timestamp")
    assert json.dumps(first) == json.dumps(second)


@pytest.mark.soak
@settings(max_examples=1000, deadline=None)
@given(cases())
def test_engine_and_reference_evaluator_agree(advisor: triage.Advisor, case: dict[str, str]) -> None:
    assert isinstance(advisor.matcher, DurableMatcher)
    reference = ReferenceMatcher(advisor.pack)
    assert advisor.matcher.matches(case) == reference.matches(case)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(JSON | partial_answers() | st.dictionaries(st.sampled_from(FACTS), JSON, max_size=4))
def test_any_json_gives_advice_or_an_input_error(advisor: triage.Advisor, value: object) -> None:
    try:
        rec = advisor.assess(value)
    except triage.InputError as error:
        assert "\n" not in str(error) and str(error)
    else:
        assert isinstance(rec, triage.Recommendation)


@settings(max_examples=300, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_not_provisional_means_sampled_completions_agree(
    advisor: triage.Advisor, case: dict[str, str], rnd: random.Random
) -> None:
    rec = advisor.assess(case)
    if rec.provisional:
        return
    for _ in range(20):
        completed = {
            fact: rnd.choice(answers_of(fact, known=True)) if answer == "unknown" else answer
            for fact, answer in case.items()
        }
        assert advisor.assess(completed).primary_route == rec.primary_route


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_fired_rule_cites_a_source_and_says_why(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    for rule in rec.fired_rules:
        assert rule.source.strip()
        assert advisor.pack.rule[rule.id].reason.strip()
    for route in rec.routes:
        assert route.next_steps
    assert rec.notice and "not a decision" in rec.notice
    assert rec.rcd.reasons


@settings(max_examples=200, deadline=None)
@given(partial_answers())
def test_facts_left_out_are_unknown(advisor: triage.Advisor, answers: dict[str, object]) -> None:
    rec = advisor.assess(answers)
    words = {True: "yes", False: "no", None: "unknown"}
    for fact, answer in rec.audit.facts.items():
        given_answer = answers.get(fact, "unknown")
        assert answer == words.get(given_answer, given_answer)  # type: ignore[call-overload]


def mutable_parts(value: object, where: str = "rec") -> list[str]:
    """Where an answer model holds something that could be changed in place (a list, a set, a
    plain dict), searched all the way down."""
    from pydantic import BaseModel

    from triage._recommendation import FrozenDict

    if isinstance(value, BaseModel):
        return [
            found
            for name in type(value).model_fields
            for found in mutable_parts(getattr(value, name), f"{where}.{name}")
        ]
    if isinstance(value, tuple):
        return [found for i, item in enumerate(value) for found in mutable_parts(item, f"{where}[{i}]")]
    if isinstance(value, FrozenDict):
        return [found for key, item in value.items() for found in mutable_parts(item, f"{where}[{key!r}]")]
    return [where] if isinstance(value, (list, dict, set, bytearray)) else []


@settings(max_examples=100, deadline=None)
@given(cases())
def test_an_answer_is_immutable_all_the_way_down(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    assert mutable_parts(rec) == []
    assert mutable_parts(triage.Recommendation.model_validate_json(rec.model_dump_json())) == []
    with pytest.raises(TypeError):
        rec.audit.facts["complex"] = "maybe"
