"""The worked scenarios (shared with the domain experts) pass through the API and the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import load_scenarios, run_cli

import triage

SCENARIOS = load_scenarios()


def check(rec: dict[str, Any], expect: dict[str, Any]) -> None:
    routes = [route["id"] for route in rec["routes"]]
    questions = [q["fact"] for q in rec["questions"]]
    if "primary" in expect:
        assert rec["primary_route"] == expect["primary"]
    if "rcd" in expect:
        assert rec["rcd"]["status"] == expect["rcd"]
    if "provisional" in expect:
        assert rec["provisional"] is expect["provisional"]
    if "first_question" in expect:
        assert questions and questions[0] == expect["first_question"]
    for route in expect.get("routes_include", []):
        assert route in routes
    for route in expect.get("routes_exclude", []):
        assert route not in routes
    for route in expect.get("ruled_out_include", []):
        assert route in [out["route"] for out in rec["ruled_out"]]
    for fact in expect.get("questions_include", []):
        assert fact in questions
    if expect.get("questions_empty"):
        assert questions == []
    if expect.get("advice_nonempty"):
        assert rec["advice"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario_through_the_api(scenario: dict[str, Any]) -> None:
    rec = triage.assess(scenario["facts"])
    check(rec.model_dump(mode="json"), scenario["expect"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario_through_the_console_script(scenario: dict[str, Any]) -> None:
    result = run_cli("assess", "--input", "-", "--json", stdin=json.dumps(scenario["facts"]))
    assert result.returncode == 0, result.stderr
    check(json.loads(result.stdout), scenario["expect"])


def test_the_packs_own_scenarios_pass_and_cover_all_of_it() -> None:
    # Every rule fires, every route is primary, every note is shown and every rule-out decides in
    # some scenario of the pack's own (CI runs the same command).
    result = run_cli("test", str(triage.default_pack_path() / "scenarios"), "--min-coverage", "100")
    assert result.returncode == 0, result.stdout
    coverage, summary = result.stdout.splitlines()
    assert coverage.endswith("(100%)") and summary.endswith(" passed, 0 failed")
