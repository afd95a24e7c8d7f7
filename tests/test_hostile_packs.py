"""Hostile packs are refused with a PackError (or handled), never executed, never hanging.

Each pack is loaded, compiled into durable_rules and used once in a child process with a timeout:
a hang (durable_rules hangs from 512 branches from one test) or a crash fails
the test instead of stopping the run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from isolated import run_isolated

import triage
from triage._conditions import normalise
from triage._engine import engine_branches
from triage._pack import MAX_ENGINE_BRANCHES, MAX_FACTS

TIMEOUT = 60  # generous for a loaded CI machine; each case takes well under a second here


def use(folder: str) -> None:
    """In the child: load the pack, build its engine, assess one case; print what happened."""
    try:
        advisor = triage.Advisor(folder)
        rec = advisor.assess({})
    except triage.PackError as error:
        print(json.dumps({"refused": str(error)}))
    else:
        print(json.dumps({"used": rec.primary_route, "rules": len(advisor.pack.rules)}))


def outcome(folder: Path) -> dict[str, object]:
    result: dict[str, object] = run_isolated("test_hostile_packs", "use", str(folder), timeout=TIMEOUT)
    if "refused" in result:
        message = str(result["refused"])
        assert "\n" not in message and message
    return result


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), folder)
    return folder


def add_rules(folder: Path, text: str) -> None:
    with (folder / "rules.yaml").open("a") as handle:
        handle.write(text)


def advice_rule(rule_id: str, when: str) -> str:
    return (
        f"  - {{id: {rule_id}, effect: advice, when: {when}, text: t, reason: r,"
        " source: {document: ng, section: s}}\n"
    )


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/new:os.system [touch {marker}]",
        "!!python/name:os.system",
        "!!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]",
        "!include {marker}",
    ],
)
def test_yaml_tags_that_construct_objects_are_refused(pack: Path, value: str) -> None:
    marker = pack.parent / "marker"
    (pack / "extra.yaml").write_text(f"title: {value.format(marker=marker)}\n")
    result = outcome(pack)
    assert "refused" in result and "extra.yaml" in str(result["refused"])
    assert not marker.exists(), "a YAML tag ran code"


def test_billion_laughs_is_refused(pack: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    (pack / "bomb.yaml").write_text("\n".join(lines) + "\n")
    result = outcome(pack)
    assert "aliases" in str(result.get("refused"))


def test_ten_thousand_rules_are_refused(pack: Path) -> None:
    add_rules(pack, "".join(advice_rule(f"r{n}", "{fact: complex, is: 'yes'}") for n in range(10_000)))
    assert "refused" in outcome(pack)


def test_more_rules_than_the_bound_are_refused(pack: Path) -> None:
    add_rules(pack, "".join(advice_rule(f"r{n}", "{fact: complex, is: 'yes'}") for n in range(400)))
    assert "at most 400" in str(outcome(pack).get("refused"))


def test_a_rule_with_600_alternatives_is_refused(pack: Path) -> None:
    leaves = ", ".join("{fact: complex, is: 'yes'}" for _ in range(600))
    add_rules(pack, advice_rule("wide", f"{{any: [{leaves}]}}"))
    assert "more than 64 tests" in str(outcome(pack).get("refused"))


def test_a_condition_whose_alternatives_multiply_is_refused(pack: Path) -> None:
    # 6 x 6 x 6 x 6 alternatives from 24 tests: within the test bound, far past the engine's.
    facts = [
        "complex",
        "multiagency",
        "decision_sought",
        "reflection_sought",
        "not_progressing",
        "child_died",
    ]
    group = "{any: [" + ", ".join(f"{{fact: {fact}, is: 'yes'}}" for fact in facts) + "]}"
    add_rules(pack, advice_rule("product", "{all: [" + ", ".join([group] * 4) + "]}"))
    assert "engine branches" in str(outcome(pack).get("refused"))


@pytest.mark.parametrize("depth", [9, 300, 450, 5000])
def test_deep_nesting_is_refused(pack: Path, depth: int) -> None:
    condition = "{fact: complex, is: 'yes'}"
    for _ in range(depth):
        condition = "{all: [" + condition + "]}"
    add_rules(pack, advice_rule("deep", condition))
    assert "refused" in outcome(pack)


@pytest.mark.parametrize("priority", ["-1", "0", "1001", str(10**30), "-9223372036854775809", "1.5", "'top'"])
def test_negative_or_huge_priority_is_refused(pack: Path, priority: str) -> None:
    path = pack / "routes.yaml"
    text = path.read_text()
    assert "priority: 1\n" in text
    path.write_text(text.replace("priority: 1\n", f"priority: {priority}\n", 1))
    assert "priority" in str(outcome(pack).get("refused"))


def test_too_many_facts_are_refused(pack: Path) -> None:
    extra = "".join(f"  - {{id: extra_{n}, question: Q?}}\n" for n in range(MAX_FACTS))
    path = pack / "facts.yaml"
    path.write_text(path.read_text() + extra)
    assert f"more than {MAX_FACTS} facts" in str(outcome(pack).get("refused"))


def test_more_than_257_rules_with_one_condition_are_refused_by_the_engine(pack: Path) -> None:
    # durable_rules refuses these itself (code 108) rather than hanging; it is a PackError.
    add_rules(pack, "".join(advice_rule(f"same{n}", "{fact: complex, is: 'no'}") for n in range(300)))
    assert "rules engine cannot compile" in str(outcome(pack).get("refused"))


def fan_out_pack(pack: Path, branches: int) -> None:
    """Add facts and rules so the pack needs exactly `branches` engine branches, each a distinct
    test: the widest fan-out from the engine's guard test the pack can build."""
    loaded = triage.load_pack(pack)
    used = 1 + sum(engine_branches(normalise(r.when, loaded.domains), loaded.domains) for r in loaded.rules)
    answers = [f"a{n}" for n in range(12)]
    facts = [f"wide_{n}" for n in range(45)]
    tests = [(fact, answer) for fact in facts for answer in answers][: branches - used]
    spec = "[" + ", ".join([*answers, "unknown"]) + "]"
    path = pack / "facts.yaml"
    path.write_text(
        path.read_text() + "".join(f"  - {{id: {f}, question: Q?, answers: {spec}}}\n" for f in facts)
    )
    rules = []
    for start in range(0, len(tests), 8):
        group = tests[start : start + 8]
        rules.append(
            advice_rule(
                f"wide_rule_{start}",
                "{any: [" + ", ".join(f"{{fact: {fact}, is: {answer}}}" for fact, answer in group) + "]}",
            )
        )
    add_rules(pack, "".join(rules))


def test_the_widest_pack_within_the_bounds_compiles_and_runs(pack: Path) -> None:
    fan_out_pack(pack, MAX_ENGINE_BRANCHES)
    assert "used" in outcome(pack)


def test_one_branch_past_the_bound_is_refused_before_the_engine(pack: Path) -> None:
    fan_out_pack(pack, MAX_ENGINE_BRANCHES + 1)
    assert "engine branches" in str(outcome(pack).get("refused"))


def durable_fan_out(width: str) -> None:
    """In the child: a ruleset whose guard test branches to `width` distinct tests, straight into
    durable_rules (no pack bounds); prints the matches of one fact."""
    import durable_rules_engine as durable

    rules = {
        f"r{n}": {"all": [{"m": {"$and": [{"kind": "case"}, {f"f{n % 40}": f"v{n}"}]}}]}
        for n in range(int(width))
    }
    handle = durable.create_ruleset(f"fan_out_{width}", json.dumps(rules))
    fact = json.dumps({"kind": "case", "f0": "v0"})
    result = durable.assert_fact(handle, fact)
    fired = 0
    action = durable.start_action_for_state(handle, result[1])
    while action:
        fired += 1
        action = durable.complete_and_start_action(handle, result[1])
    durable.retract_fact(handle, fact)
    print(json.dumps({"fired": fired}))


def test_the_engine_bound_leaves_a_margin_below_durable_rules_own_limit() -> None:
    # Measured here with durable_rules 2.0.28: 511 branches from one test work; with 512 the
    # ruleset is created but asserting a fact hangs; with 513 creating the ruleset hangs.
    assert MAX_ENGINE_BRANCHES < 511
    assert run_isolated("test_hostile_packs", "durable_fan_out", "511", timeout=TIMEOUT) == {"fired": 1}
