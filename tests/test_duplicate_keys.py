"""A key given twice in a JSON object is refused, never silently resolved: JSON keeps the last one,
so `{"immediate_danger": "yes", ..., "immediate_danger": "no"}` would drop the danger unseen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import edit, run_cli
from hypothesis import given
from hypothesis import strategies as st

import triage
from cli import main
from triage._case import parse_json

TWICE = '{"immediate_danger": "yes", "complex": "yes", "immediate_danger": "no"}'
FACTS = [fact.id for fact in triage.load_pack(triage.default_pack_path()).facts]


def test_parse_json_refuses_a_fact_given_twice() -> None:
    with pytest.raises(triage.InputError) as caught:
        parse_json(TWICE, source="case.json", keys="fact")
    assert str(caught.value) == "case.json: fact 'immediate_danger' is given twice"
    assert caught.value.field == "immediate_danger"


def test_parse_json_refuses_a_key_given_twice_anywhere() -> None:
    for text in ('{"a": {"b": 1, "b": 2}}', '[{"b": 1}, {"b": 1, "b": 1}]'):
        with pytest.raises(
            triage.InputError, match=r"^x.json: key 'b' is given twice \(in a nested object\)$"
        ):
            parse_json(text, source="x.json", keys="fact")
    # The top-level object's own repeat is named first: it is the one that changes the answers.
    with pytest.raises(triage.InputError, match=r"^in: fact 'a' is given twice$"):
        parse_json('{"a": {"b": 1, "b": 2}, "a": 1}', source="in", keys="fact")
    with pytest.raises(triage.InputError, match=r"^input: key 'a' is given twice$"):
        parse_json('{"a": 1, "a": 1}')  # even with the same value


@given(st.lists(st.tuples(st.sampled_from(FACTS), st.sampled_from(["yes", "no", "unknown"])), max_size=8))
def test_parse_json_refuses_exactly_the_objects_with_a_repeated_key(pairs: list[tuple[str, str]]) -> None:
    text = "{" + ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in pairs) + "}"
    keys = [key for key, _ in pairs]
    if len(set(keys)) == len(keys):
        assert parse_json(text, keys="fact") == dict(pairs)
    else:
        with pytest.raises(triage.InputError, match="is given twice"):
            parse_json(text, keys="fact")


def test_assess_input_refuses_a_fact_given_twice(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(TWICE)
    result = CliRunner().invoke(main, ["assess", "--input", str(case)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"triage: error: {case}: fact 'immediate_danger' is given twice\n"
    piped = run_cli("assess", "--input", "-", stdin=TWICE)
    assert piped.returncode == 2 and piped.stdout == ""
    assert piped.stderr == "triage: error: stdin: fact 'immediate_danger' is given twice\n"


def test_batch_answers_a_line_with_a_fact_given_twice_with_an_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n" + TWICE + "\n")
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 1
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["primary_route"] == "child_protection_referral"
    assert second == {
        "line": 2,
        "error": {
            "code": "given_twice",
            "message": "the line: fact 'immediate_danger' is given twice",
            "field": "immediate_danger",
            "file": None,
            "line": 2,
        },
    }


def test_a_pack_key_given_twice_is_refused(tmp_path: Path) -> None:
    # Repeating `effect:` in the 999 rule would silently turn it into a note.
    folder = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), folder)
    edit(folder, "rules.yaml", "    effect: recommend\n", "    effect: recommend\n    effect: advice\n")
    with pytest.raises(triage.PackError, match=r"rules.yaml: line \d+: key 'effect' is given twice$"):
        triage.load_pack(folder)
    assert "key 'effect' is given twice" in triage.check_pack(folder).findings[0].message


def test_a_scenario_fact_given_twice_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "twice.yaml"
    scenario.write_text(
        "- name: twice\n  facts:\n    immediate_danger: 'yes'\n    immediate_danger: 'no'\n"
        "  expect: {primary: no_additional_route}\n"
    )
    result = run_cli("test", str(scenario))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"triage: error: {scenario}: line 4: key 'immediate_danger' is given twice\n"
