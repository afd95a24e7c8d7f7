"""Scenario coverage (`triage test --coverage`): the gaps of a toy pack's scenarios, drafts that
exercise what they claim (on the toy pack and on small random packs), --min-coverage, and the
scenario keys that assert notes and the exact routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import TOY, run_cli
from hypothesis import given, settings
from small_packs import random_packs

import triage
from triage._coverage import Gap, coverage
from triage._pack import Pack


def exercised(advisor: triage.Advisor, gap: Gap) -> bool:
    """Whether the gap's draft does what it claims, on the pack's own advice."""
    rec = advisor.assess(gap.draft.facts)
    fired = {rule.id for rule in rec.fired_rules}
    if gap.kind == "rule_fired":
        return gap.id in fired
    if gap.kind == "route_primary":
        return rec.primary_route == gap.id
    if gap.kind == "note_shown":
        return gap.id in {note.rule for note in rec.advice}
    route = advisor.pack.rule[gap.id].route
    recommending = {r.id for r in advisor.pack.rules if r.effect == "recommend" and r.route == route}
    return gap.id in fired and bool(fired & recommending)


def test_the_gaps_of_the_toy_scenarios_are_named_with_a_draft_through_the_console_script() -> None:
    result = run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY), "--coverage")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "coverage: 8 of 9 items (88.8%)"
    assert lines[1] == "  notes never shown: advice_workaround_for_major"
    assert lines[-1] == "5 passed, 0 failed"
    drafts = yaml.safe_load("\n".join(lines[3:-1]))
    assert drafts[0]["name"] == "draft: note advice_workaround_for_major is shown"
    assert drafts[0]["expect"]["advice_include"] == ["advice_workaround_for_major"]


def test_pasted_drafts_pass_and_close_every_gap(toy: Path) -> None:
    report = triage.run_scenarios([toy / "scenarios"], advisor=triage.Advisor(toy), coverage=True)
    assert report.coverage is not None and report.coverage.gaps
    drafts = [gap.draft.model_dump() for gap in report.coverage.gaps]
    (toy / "scenarios" / "drafts.yaml").write_text(yaml.safe_dump(drafts))
    again = triage.run_scenarios([toy / "scenarios"], advisor=triage.Advisor(toy), coverage=True)
    assert again.failed == 0
    assert again.coverage is not None and again.coverage.gaps == () and again.coverage.percent == 100.0


def test_every_gap_of_a_pack_without_scenarios_has_a_draft_that_exercises_it() -> None:
    advisor = triage.Advisor(TOY)
    found = coverage(advisor, [])
    assert found.covered == 0 and len(found.gaps) == found.total == 9
    assert all(exercised(advisor, gap) for gap in found.gaps)
    # Safety questions are answered 'no' where the item allows it: the drafts are not all safety.
    assert {gap.draft.facts.get("data_exposed") for gap in found.gaps} == {"no", "yes"}


@settings(max_examples=60, deadline=None)
@given(random_packs())
def test_drafts_exercise_what_they_claim_on_any_small_pack(pack: Pack) -> None:
    advisor = triage.Advisor(pack)
    for gap in coverage(advisor, []).gaps:
        assert exercised(advisor, gap), gap


def test_min_coverage_fails_the_run_below_it_and_passes_at_it() -> None:
    below = run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY), "--min-coverage", "90")
    assert below.returncode == 1
    assert "coverage below the minimum of 90%" in below.stdout
    at = run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY), "--min-coverage", "88.8")
    assert at.returncode == 0, at.stdout


def test_coverage_in_json_lists_the_gaps_with_their_drafts() -> None:
    result = run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY), "--coverage", "--json")
    data = json.loads(result.stdout)
    assert data["coverage"]["covered"] == 8 and data["coverage"]["percent"] == 88.8
    assert [gap["kind"] for gap in data["coverage"]["gaps"]] == ["note_shown"]
    plain = json.loads(run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY), "--json").stdout)
    assert "coverage" not in plain


# --- scenario keys: notes by rule id, the exact routes, focus ------------------------------------


def scenario(folder: Path, expect: dict[str, object]) -> triage.ScenarioReport:
    facts = {"data_exposed": "no", "service_down": "yes", "users_affected": "many", "workaround": "yes"}
    path = folder / "one.yaml"
    path.write_text(yaml.safe_dump([{"name": "major with a workaround", "facts": facts, "expect": expect}]))
    return triage.run_scenarios([path], advisor=triage.Advisor(TOY))


@pytest.mark.parametrize(
    ("expect", "difference"),
    [
        ({"advice_include": ["advice_workaround_for_major"]}, None),
        (
            {"advice_exclude": ["advice_workaround_for_major"]},
            "advice_exclude: did not expect advice_workaround_for_major, got [advice_workaround_for_major]",
        ),
        ({"routes": ["major_incident"]}, None),
        (
            {"routes": ["major_incident", "self_help"]},
            "routes: expected [major_incident, self_help], got [major_incident]",
        ),
        ({"focus": "recommended"}, None),
        ({"focus": "possible"}, "focus: expected possible, got recommended"),
        ({"rcd": "possible"}, "focus: expected possible, got recommended"),
    ],
)
def test_scenarios_assert_notes_exact_routes_and_focus(
    tmp_path: Path, expect: dict[str, object], difference: str | None
) -> None:
    result = scenario(tmp_path, expect).results[0]
    assert result.differences == ((difference,) if difference else ())


def test_a_note_the_pack_does_not_have_is_refused_with_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(triage.InputError, match="unknown note 'advice_workaround' \\(did you mean"):
        scenario(tmp_path, {"advice_include": ["advice_workaround"]})
