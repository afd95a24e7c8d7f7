"""Advisor.primary_route: the primary route alone, always the one assess gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from strategies import cases, partial_answers

import triage

TOY = Path(__file__).parent / "packs" / "toy"


@settings(max_examples=400, deadline=None)
@given(cases())
def test_primary_route_is_assess_primary_route_for_full_cases(case: dict[str, str]) -> None:
    advisor = triage.Advisor()
    assert advisor.primary_route(case) == advisor.assess(case).primary_route


@settings(max_examples=200, deadline=None)
@given(partial_answers())
def test_primary_route_is_assess_primary_route_for_answers_as_programs_send_them(
    answers: dict[str, object],
) -> None:
    advisor = triage.Advisor()
    assert advisor.primary_route(answers) == advisor.assess(answers).primary_route


def test_primary_route_follows_another_packs_rules() -> None:
    advisor = triage.Advisor(TOY)
    for answers in ({}, *({fact.id: answer} for fact in advisor.pack.facts for answer in fact.answers)):
        assert advisor.primary_route(answers) == advisor.assess(answers).primary_route


@pytest.mark.parametrize(
    ("answers", "field"),
    [({"complx": "yes"}, "complx"), ({"complex": "maybe"}, "complex")],
)
def test_primary_route_validates_answers_as_assess_does(answers: dict[str, str], field: str) -> None:
    with pytest.raises(triage.InputError) as raised:
        triage.Advisor().primary_route(answers)
    assert raised.value.field == field


def test_primary_route_refuses_what_is_not_an_object() -> None:
    with pytest.raises(triage.InputError):
        triage.Advisor().primary_route(["complex"])
