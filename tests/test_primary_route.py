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
    from triage.engine._durable_rules import DurableRouter, _durable

    router = triage.Advisor()._router
    if _durable is None:
        pytest.skip("durable_rules is not importable on this Python")
    assert isinstance(router, DurableRouter)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_route_rules_and_the_one_rule_per_route_agree(case: dict[str, str]) -> None:
    """Both ways to the primary route (the route-deciding rules' matches, and one engine rule per
    route with rule-outs folded in) give the same answer."""
    from triage.engine import MatchingRouter, make_matcher

    advisor = triage.Advisor()
    rules = advisor.route_rules
    matching = MatchingRouter(make_matcher(advisor.pack, rules.deciding), rules.primary)
    valid = advisor.case(case)
    assert advisor._router.primary(valid) == matching.primary(valid)


def test_routes_that_need_too_many_engine_branches_fall_back_to_the_rules_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functools

    import triage.engine as engine

    monkeypatch.setattr(engine, "route_ruleset", functools.partial(engine.route_ruleset, max_branches=2))
    for pack in (None, TOY):
        advisor = triage.Advisor(pack)
        assert isinstance(advisor._router, engine.MatchingRouter)
        for answers in ({}, *({f.id: a} for f in advisor.pack.facts for a in f.answers)):
            assert advisor.primary_route(answers) == advisor.assess(answers).primary_route


def test_compound_rule_outs_fold_into_the_routes_engine_rule(tmp_path: Path) -> None:
    """A rule-out of `any`/`all`/`not` negates into the route's one engine rule exactly: every
    case of the toy pack, with its rule-out made compound, gets assess's primary route."""
    import itertools
    import shutil

    from conftest import edit

    from triage.engine._durable_rules import DurableRouter, _durable

    pack = Path(shutil.copytree(TOY, tmp_path / "toy"))
    edit(
        pack,
        "rules.yaml",
        "when: {fact: users_affected, is: one}",
        "when: {any: [{fact: users_affected, is: one}, "
        "{all: [{fact: workaround, is: yes}, {not: {fact: service_down, is: [no, unknown]}}]}]}",
    )
    advisor = triage.Advisor(pack)
    if _durable is not None:
        assert isinstance(advisor._router, DurableRouter)
    facts = advisor.pack.facts
    for answers in itertools.product(*(fact.answers for fact in facts)):
        case = dict(zip([fact.id for fact in facts], answers, strict=True))
        assert advisor.primary_route(case) == advisor.assess(case).primary_route, case


def test_an_engine_that_gives_two_routes_for_one_case_is_an_error_that_leaves_it_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import triage.engine._durable_rules as engine

    if engine._durable is None:
        pytest.skip("durable_rules is not importable on this Python")
    advisor = triage.Advisor()
    assert advisor.primary_route({}) == "child_protection_referral"
    real = engine._durable

    class TwoActions:  # the real engine, with one made-up action after the real one
        def __init__(self) -> None:
            self.made_up = False

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def complete_and_start_action(self, handle: object, state: object) -> object:
            if self.made_up:  # completing the made-up action: nothing more
                return None
            found = real.complete_and_start_action(handle, state)
            if found:
                return found
            self.made_up = True
            return '{"single_agency_route": {"m": {}}}'

    monkeypatch.setattr(engine, "_durable", TwoActions())
    with pytest.raises(triage.TriageError, match="2 routes for one case"):
        advisor.primary_route({})
    monkeypatch.setattr(engine, "_durable", real)
    assert advisor.primary_route({"immediate_danger": "yes"}) == "emergency_response"
    assert advisor.primary_route({}) == "child_protection_referral"
