"""The durable_rules engine module: compilation, the fallback, and session hygiene."""

from __future__ import annotations

import json
import operator
import os
import pickle

import pytest
from isolated import run_isolated

import triage
from triage._conditions import And, Or
from triage._conditions import Test as AnswerTest  # not named Test*: pytest would collect it
from triage.engine import ReferenceMatcher, _durable_rules
from triage.engine._conditions import engine_test
from triage.engine._durable_rules import DurableMatcher, compile_ruleset

YNU = frozenset({"yes", "no", "unknown"})
DOMAINS = {"a": YNU, "b": YNU}


@pytest.mark.parametrize(
    ("normal", "expected"),
    [
        (AnswerTest("a", frozenset({"yes"})), {"a": "yes"}),
        (AnswerTest("a", frozenset({"yes", "unknown"})), {"$neq": {"a": "no"}}),
        (AnswerTest("a", YNU), True),
        (AnswerTest("a", frozenset()), False),
        (And((AnswerTest("a", YNU), AnswerTest("b", frozenset({"no"})))), {"b": "no"}),
        (Or((AnswerTest("a", frozenset()), AnswerTest("b", frozenset({"no"})))), {"b": "no"}),
        (Or((AnswerTest("a", YNU), AnswerTest("b", frozenset({"no"})))), True),
        (And((AnswerTest("a", frozenset()), AnswerTest("b", frozenset({"no"})))), False),
    ],
)
def test_conditions_compile_to_durable_tests(normal: object, expected: object) -> None:
    assert engine_test(normal, DOMAINS) == expected  # type: ignore[arg-type]


def test_normal_forms_are_immutable_values_of_their_own_kind() -> None:
    """What the engine and the analysis compile: equal and of one hash when of one kind with equal
    parts, never equal across kinds (an And and an Or of the same parts) nor to a plain tuple,
    unchangeable, and the same after pickling."""
    yes, again = AnswerTest("a", frozenset({"yes"})), AnswerTest("a", frozenset({"yes"}))
    parts = (yes, AnswerTest("b", frozenset({"no"})))
    assert yes == again and hash(yes) == hash(again)
    assert operator.eq(And(parts), And(parts)) and not operator.ne(And(parts), And(parts))
    assert operator.ne(And(parts), Or(parts)) and not operator.eq(And(parts), Or(parts))
    assert len({And(parts), Or(parts), And(parts)}) == 2
    assert yes != ("a", frozenset({"yes"})) and And(parts) != (parts,)
    with pytest.raises(AttributeError):
        yes.fact = "b"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Or(parts))) == Or(parts)  # noqa: S301 - our own pickle
    assert repr(yes) == "Test(fact='a', answers=frozenset({'yes'}))"


def test_every_rule_is_guarded_and_the_sentinel_always_fires(advisor: triage.Advisor) -> None:
    ruleset = compile_ruleset(advisor.pack)
    assert ruleset["_sentinel"] == {"all": [{"m": {"kind": "case"}}]}
    for name, rule in ruleset.items():
        test = rule["all"][0]["m"]
        assert test == {"kind": "case"} or test["$and"][0] == {"kind": "case"}, name
    assert set(ruleset) - {"_sentinel"} == set(advisor.pack.rule)


def test_identical_cases_in_a_row_are_not_refused_as_duplicates(advisor: triage.Advisor) -> None:
    case = advisor.case({"complex": "yes", "multiagency": "yes"})
    assert isinstance(advisor.matcher, DurableMatcher)
    first = advisor.matcher.matches(case)
    for _ in range(2_000):  # more than the engine's 1,024 live-session limit
        assert advisor.matcher.matches(case) == first


def test_a_case_that_matches_no_pack_rule_still_returns(advisor: triage.Advisor) -> None:
    quiet = {fact: "no" for fact in advisor.pack.fact if fact != "plan_status"}
    quiet["plan_status"] = "childs_plan"
    case = advisor.case(quiet)
    assert advisor.matcher.matches(case) == ReferenceMatcher(advisor.pack).matches(case)


def test_without_durable_rules_the_reference_evaluator_is_used_and_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_durable_rules, "_durable", None)
    monkeypatch.setattr(_durable_rules, "IMPORT_ERROR", "No module named 'durable_rules_engine'")
    advisor = triage.Advisor()
    assert isinstance(advisor.matcher, ReferenceMatcher)
    rec = advisor.assess({"immediate_danger": "yes"})
    assert rec.primary_route == "emergency_response"
    assert rec.audit.engine.startswith("reference evaluator (durable_rules unavailable")
    with pytest.raises(triage.TriageError, match="durable_rules cannot be imported"):
        DurableMatcher(advisor.pack)


def load_repeatedly(count: str) -> None:
    """In the child: assess with the pack given by path `count` times; print the RSS growth (MB)."""
    path = triage.default_pack_path()

    def resident_mb() -> float:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    triage.assess({}, pack=path)
    before = resident_mb()
    for _ in range(int(count)):
        triage.assess({}, pack=path)
    print(json.dumps({"growth_mb": resident_mb() - before}))


def test_memory_stays_flat_when_a_pack_is_loaded_again_and_again() -> None:
    # Each fresh durable_rules ruleset kept ~0.5 MB after deletion: 200 loads grew ~100 MB.
    result = run_isolated("test_engine", "load_repeatedly", "200", timeout=300)
    assert result["growth_mb"] < 20


def test_a_pack_with_more_facts_than_one_engine_fact_holds_is_refused_when_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack = triage.load_pack(triage.default_pack_path())  # the loader knows no engine limit
    monkeypatch.setattr(_durable_rules, "MAX_CASE_KEYS", len(pack.facts))  # one short: the guard
    with pytest.raises(triage.PackError, match=f"at most {len(pack.facts) - 1} facts"):
        DurableMatcher(pack)
