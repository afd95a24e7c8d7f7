"""The scenario runner: the pack's own scenarios pass, every kind of expectation can fail and says
what differed, and a malformed scenario file is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, SCENARIOS, load_scenarios, run_cli

import triage
from cli import main

MORAY_SCENARIOS = ROOT / "rules" / "moray" / "scenarios"
ALL_NO = dict.fromkeys(triage.load_pack(triage.default_pack_path()).fact, "no")
ALL_NO["plan_status"] = "none"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def write(tmp_path: Path, scenarios: Any, name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(scenarios) if name.endswith(".json") else yaml.safe_dump(scenarios))
    return path


def test_the_packs_own_scenarios_all_pass_and_cover_every_route() -> None:
    report = triage.run_scenarios([MORAY_SCENARIOS])
    assert report.failed == 0
    assert report.passed == len(report.results) > len(load_scenarios())
    advisor = triage.Advisor()
    primaries = set()
    for path in MORAY_SCENARIOS.glob("*.yaml"):
        for scenario in yaml.safe_load(path.read_text()):
            primaries.add(advisor.assess(scenario["facts"]).primary_route)
            assert scenario["expect"]
    assert primaries == {route.id for route in advisor.pack.routes}


def test_the_yaml_scenarios_cover_the_precautionary_unknowns_and_rcd_possible() -> None:
    scenarios = [s for p in MORAY_SCENARIOS.glob("*.yaml") for s in yaml.safe_load(p.read_text())]
    statuses = {s["expect"].get("rcd") for s in scenarios}
    assert {"recommended", "possible", "not_recommended"} <= statuses
    first_questions = {s["expect"].get("first_question") for s in scenarios}
    assert {"immediate_danger", "unreported_harm_concern"} <= first_questions


def test_json_and_yaml_give_the_same_results(tmp_path: Path) -> None:
    as_json = triage.run_scenarios([SCENARIOS])
    as_yaml = triage.run_scenarios([write(tmp_path, load_scenarios(), "shared.yaml")])
    assert [(r.name, r.passed) for r in as_json.results] == [(r.name, r.passed) for r in as_yaml.results]
    assert as_yaml.failed == 0


def test_a_folder_is_searched_in_name_order(tmp_path: Path) -> None:
    one = {"name": "one", "facts": {"immediate_danger": "yes"}, "expect": {"primary": "emergency_response"}}
    two = {**one, "name": "two"}
    (tmp_path / "sub").mkdir()
    write(tmp_path, [two], "sub/b.yml")
    write(tmp_path, [one], "a.json")
    (tmp_path / "notes.txt").write_text("not a scenario file")
    report = triage.run_scenarios([tmp_path])
    assert [r.name for r in report.results] == ["one", "two"]


# --- failures say what differed ----------------------------------------------------------------

# A case whose advice is known (DOMAIN.md): RCD, nothing unknown, no advice notes.
RCD_CASE = {
    **ALL_NO,
    "multiagency": "yes",
    "complex": "yes",
    "reflection_sought": "yes",
    "manager_consulted": "yes",
}

WRONG = {
    "primary": ("decision_forum", "primary: expected decision_forum, got reflective_case_discussion"),
    "focus": ("possible", "focus: expected possible, got recommended"),
    "rcd": ("possible", "focus: expected possible, got recommended"),  # Moray's alias of focus
    "provisional": (True, "provisional: expected true, got false"),
    "first_question": ("complex", "first_question: expected complex, got no questions"),
    "routes_include": (["decision_forum"], "routes_include: expected decision_forum, got [reflective_case"),
    "routes_exclude": (
        ["reflective_case_discussion"],
        "routes_exclude: did not expect reflective_case_discussion, got [reflective_case_discussion]",
    ),
    "ruled_out_include": (["reflective_case_discussion"], "ruled_out_include: expected reflective_case_"),
    "questions_include": (["complex"], "questions_include: expected complex, got []"),
    "advice_nonempty": (True, "advice_nonempty: expected some advice, got none"),
}


@pytest.mark.parametrize("key", WRONG)
def test_each_expectation_can_fail_and_says_what_differed(tmp_path: Path, key: str) -> None:
    value, message = WRONG[key]
    path = write(tmp_path, [{"name": "rcd case", "facts": RCD_CASE, "expect": {key: value}}])
    report = triage.run_scenarios([path])
    assert report.failed == 1
    [difference] = report.results[0].differences
    assert difference.startswith(message)
    result = invoke("test", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"FAIL {path}: rcd case"
    assert lines[1].startswith(f"  - {message}")
    assert lines[-1] == "0 passed, 1 failed"


def test_questions_empty_can_fail(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "all unknown", "facts": {}, "expect": {"questions_empty": True}}])
    [difference] = triage.run_scenarios([path]).results[0].differences
    assert difference.startswith("questions_empty: expected no questions, got [immediate_danger, ")


def test_passing_and_failing_scenarios_are_counted(tmp_path: Path) -> None:
    good = {"name": "good", "facts": RCD_CASE, "expect": {"primary": "reflective_case_discussion"}}
    bad = {"name": "bad", "facts": RCD_CASE, "expect": {"primary": "decision_forum", "rcd": "possible"}}
    path = write(tmp_path, [good, bad, good])
    result = invoke("test", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAIL {path}: bad",
        "  - primary: expected decision_forum, got reflective_case_discussion",
        "  - focus: expected possible, got recommended",
        "2 passed, 1 failed",
    ]
    data = json.loads(invoke("test", "--json", str(path)).output)
    assert (data["passed"], data["failed"]) == (2, 1)
    assert data["results"][1] == {
        "file": str(path),
        "name": "bad",
        "passed": False,
        "differences": [
            "primary: expected decision_forum, got reflective_case_discussion",
            "focus: expected possible, got recommended",
        ],
    }


# --- malformed scenario files: one line, exit 2 ------------------------------------------------

MALFORMED = {
    "not a list": ({"name": "x"}, "s.json", "a scenario file is a list"),
    "typo in an expect key": (
        [{"name": "x", "facts": {}, "expect": {"primay": "emergency_response"}}],
        "s.json",
        "scenario #1 'x': expect.primay: unknown key (did you mean 'primary'?)",
    ),
    "unknown fact": (
        [{"name": "x", "facts": {"complx": "yes"}, "expect": {"primary": "emergency_response"}}],
        "s.yaml",
        "scenario #1 'x': unknown fact 'complx' (did you mean 'complex'?)",
    ),
    "bad answer": (
        [{"name": "x", "facts": {"complex": "maybe"}, "expect": {"primary": "emergency_response"}}],
        "s.json",
        "'maybe' is not an answer",
    ),
    "unknown route in expect": (
        [{"name": "x", "facts": {}, "expect": {"routes_exclude": ["emergency"]}}],
        "s.json",
        "expect: unknown route 'emergency' (did you mean 'emergency_response'?)",
    ),
    "unknown fact in expect": (
        [{"name": "x", "facts": {}, "expect": {"first_question": "danger"}}],
        "s.json",
        "expect: unknown fact 'danger'",
    ),
    "bad rcd status": (
        [{"name": "x", "facts": {}, "expect": {"rcd": "maybe"}}],
        "s.json",
        "scenario #1 'x': expect.rcd: ",
    ),
    "nothing expected": ([{"name": "x", "facts": {}, "expect": {}}], "s.json", "no expectations"),
    "no name": (
        [{"facts": {}, "expect": {"rcd": "possible"}}],
        "s.json",
        "scenario #1: name: Field required",
    ),
    "empty file": ([], "s.json", "no scenarios found"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_scenario_file_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    data, file, words = MALFORMED[name]
    path = write(tmp_path, data, file)
    with pytest.raises(triage.InputError) as raised:
        triage.run_scenarios([path])
    assert words in str(raised.value)
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [("[{name: x\n", "malformed YAML"), ("- &a {name: x}\n- *a\n", "aliases")],
)
def test_broken_yaml_is_refused(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(triage.InputError, match=words):
        triage.run_scenarios([path])


def test_malformed_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('[\n  {"name": "x",,}\n]')
    with pytest.raises(triage.InputError, match=r"s\.json: malformed JSON at line 2, column"):
        triage.run_scenarios([path])


def test_a_folder_without_scenario_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(triage.InputError, match="no scenario files"):
        triage.run_scenarios([tmp_path])


def test_a_scenario_for_another_pack_is_refused_not_silently_passed(tmp_path: Path) -> None:
    toy = ROOT / "tests" / "packs" / "toy"
    result = CliRunner().invoke(main, ["test", str(SCENARIOS), "--rules", str(toy)])
    assert result.exit_code == 2 and "unknown fact 'immediate_danger'" in result.stderr


def test_the_runner_through_the_console_script() -> None:
    result = run_cli("test", str(MORAY_SCENARIOS))
    assert result.returncode == 0, result.stdout + result.stderr
    passed = len(triage.run_scenarios([MORAY_SCENARIOS]).results)
    assert result.stdout.splitlines() == [f"{passed} passed, 0 failed"]
