"""A second pack (tests/packs/toy: an IT service desk, nothing to do with Moray) works with every
command and library function: nothing in the code is specific to the Moray pack."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_cli

import triage

TOY = ROOT / "tests" / "packs" / "toy"
MORAY_WORDS = ("Moray", "Reflective", "RCD", "child", "999")


def no_moray(text: str) -> None:
    for word in MORAY_WORDS:
        assert word not in text, word


def test_the_toy_pack_shares_no_id_with_the_moray_pack() -> None:
    toy, moray = triage.load_pack(TOY), triage.load_pack(triage.default_pack_path())
    assert not set(toy.fact) & set(moray.fact)
    assert not set(toy.route) & set(moray.route)
    assert toy.fact["users_affected"].answers == ("one", "some", "many", "unknown")


def test_assess_on_the_toy_pack_in_text_and_json() -> None:
    answers = ["--fact", "data_exposed=no", "--fact", "service_down=yes", "--fact", "users_affected=many"]
    text = run_cli("assess", "--rules", str(TOY), *answers)
    assert text.returncode == 0, text.stderr
    assert "Primary route: Major incident" in text.stdout
    assert "Major incident: recommended" in text.stdout  # the focus route, by its own title
    no_moray(text.stdout)
    data = json.loads(run_cli("assess", "--rules", str(TOY), "--json", *answers).stdout)
    assert data["primary_route"] == "major_incident"
    assert data["audit"]["pack"] == "toy-service-desk"
    assert data["provisional"] is False
    # Only the workaround is open: it changes the major incident's own note, not the route.
    assert [(q["fact"], q["changes"]) for q in data["questions"]] == [("workaround", "next_steps")]


def test_the_precautionary_safety_fact_works_in_the_toy_pack() -> None:
    rec = triage.assess({}, pack=TOY)
    assert rec.primary_route == "security_incident"
    assert rec.questions[0].fact == "data_exposed"
    assert rec.rcd.status == "possible"


def test_facts_and_rules_list_on_the_toy_pack() -> None:
    facts = run_cli("facts", "--rules", str(TOY))
    assert facts.returncode == 0 and "users_affected  [one / some / many / unknown]" in facts.stdout
    no_moray(facts.stdout)
    rules = run_cli("rules", "list", "--rules", str(TOY))
    assert rules.returncode == 0 and rules.stdout.split()[0] == "security_exposure"


def test_check_test_and_batch_on_the_toy_pack(tmp_path: Path) -> None:
    check = run_cli("rules", "check", "--rules", str(TOY))
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip().endswith("5 rules, 0 errors, 0 warnings")
    scenarios = run_cli("test", str(TOY / "scenarios"), "--rules", str(TOY))
    assert scenarios.returncode == 0, scenarios.stdout
    assert scenarios.stdout.splitlines()[-1] == "5 passed, 0 failed"
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"data_exposed": "no", "users_affected": "one", "workaround": "yes"}\n{"printer": "on"}\n'
    )
    out = tmp_path / "out.jsonl"
    batch = run_cli("batch", str(source), "--out", str(out), "--rules", str(TOY))
    assert batch.returncode == 1
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["primary_route"] == "self_help"
    assert second == {
        "line": 2,
        "error": {
            "code": "unknown_fact",
            "message": "unknown fact 'printer'",
            "field": "printer",
            "file": None,
            "line": 2,
        },
    }


def test_the_moray_scenarios_fail_loudly_on_the_toy_pack() -> None:
    result = run_cli("test", str(ROOT / "rules" / "moray" / "scenarios"), "--rules", str(TOY))
    assert result.returncode == 2 and "unknown fact" in result.stderr


def test_every_renderer_needs_only_the_result() -> None:
    toy = triage.Advisor(TOY)
    rec = toy.assess({})
    # A result read back from its JSON renders the same, with no pack at hand.
    again = triage.Recommendation.model_validate_json(rec.model_dump_json())
    for render in (triage.render_text, triage.render_markdown):
        assert render(again) == render(rec)
        no_moray(render(rec))
    from triage._reasoning_text import render_alternatives, render_what_if, render_why_not

    for result, render_result in (
        (toy.what_if({}, {"users_affected": "many"}), render_what_if),
        (toy.alternatives({}), render_alternatives),
        (toy.why_not({}, toy.pack.routes[-1].id), render_why_not),
    ):
        copy = type(result).model_validate_json(result.model_dump_json())
        assert render_result(copy) == render_result(result)  # type: ignore[arg-type]
        no_moray(render_result(result))  # type: ignore[arg-type]
