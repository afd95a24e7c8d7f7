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


def test_the_default_pack_routes_a_case_in_one_engine_match() -> None:
    from triage._engine import DurableRouter, _durable

    router = triage.Advisor()._router
    if _durable is None:
        pytest.skip("durable_rules is not importable on this Python")
    assert isinstance(router, DurableRouter)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_route_rules_and_the_one_rule_per_route_agree(case: dict[str, str]) -> None:
    """Both ways to the primary route (the route-deciding rules' matches, and one engine rule per
    route with rule-outs folded in) give the oracle's answer."""
    import oracle

    from triage._engine import MatchingRouter, make_matcher

    advisor = triage.Advisor()
    rules = advisor.route_rules
    matching = MatchingRouter(make_matcher(advisor.pack, rules.deciding), rules.primary)
    valid = advisor.case(case)
    assert advisor._router.primary(valid) == matching.primary(valid) == oracle.primary(valid)


def test_routes_that_need_too_many_engine_branches_fall_back_to_the_rules_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import triage._engine as engine

    monkeypatch.setattr(engine, "MAX_ENGINE_BRANCHES", 2)
    for pack in (None, TOY):
        advisor = triage.Advisor(pack)
        assert isinstance(advisor._router, engine.MatchingRouter)
        for answers in ({}, *({f.id: a} for f in advisor.pack.facts for a in f.answers)):
            assert advisor.primary_route(answers) == advisor.assess(answers).primary_route
