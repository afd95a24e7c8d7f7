"""The command line, through click's runner and through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import flat, route_title, run_cli

import triage
from cli import main

RCD = [
    "--fact",
    "complex=yes",
    "--fact",
    "multiagency=yes",
    "--fact",
    "reflection_sought=yes",
    "--fact",
    "immediate_danger=no",
    "--fact",
    "unreported_harm_concern=no",
]


def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def test_assess_text_leads_with_the_route_and_next_steps() -> None:
    result = invoke("assess", *RCD)
    assert result.exit_code == 0
    out = flat(result.output)
    assert out.index(f"Primary route: {route_title('reflective_case_discussion')}") < out.index(
        "First steps:"
    )
    assert out.index("First steps:") < out.index("Why (reasons and sources):")
    assert "Social Work Reviewing Team" in out
    assert "not a decision" in out
    assert "rcd_complex" in out and "One Page Brief" in out


def test_assess_json_is_the_recommendation() -> None:
    result = invoke("assess", *RCD, "--json")
    data = json.loads(result.output)
    assert data["primary_route"] == "reflective_case_discussion"
    assert data["rcd"]["status"] == "recommended"


def test_fact_flags_override_the_input_file(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"immediate_danger": "yes"}))
    data = json.loads(
        invoke("assess", "--input", str(path), "--fact", "immediate_danger=no", "--json").output
    )
    assert data["audit"]["facts"]["immediate_danger"] == "no"


def test_input_from_stdin() -> None:
    result = invoke("assess", "--input", "-", "--json", stdin='{"immediate_danger": "yes"}')
    assert json.loads(result.output)["primary_route"] == "emergency_response"


def test_a_pack_that_does_not_load_is_one_line_exit_3(tmp_path: Path) -> None:
    result = run_cli("assess", "--rules", str(tmp_path))
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr == f"triage: error: {tmp_path}: no .yaml files in the pack folder\n"


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"complex": ')
    big = tmp_path / "big.json"
    big.write_text('{"complex": "' + "x" * (2 << 20) + '"}')
    cases = [
        (["assess", "--fact", "complx=yes"], "unknown fact 'complx' (did you mean 'complex'?)"),
        (["assess", "--fact", "complex=maybe"], "'maybe' is not an answer"),
        (["assess", "--fact", "complex"], "should be ID=ANSWER"),
        (["assess", "--input", str(bad)], f"{bad}: malformed JSON at line 1"),
        (["assess", "--input", str(tmp_path / "missing.json")], "cannot read"),
        (["assess", "--input", str(big)], "larger than 1024 KiB"),
        (["rules", "show", "rcd_complx"], "unknown rule 'rcd_complx' (did you mean 'rcd_complex'?)"),
    ]
    for args, message in cases:
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_input_json_not_an_object() -> None:
    result = run_cli("assess", "--input", "-", stdin="[1, 2]")
    assert result.returncode == 2
    assert "must be a JSON object" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = run_cli("assess", "--nope")
    assert result.returncode == 2
    assert "no such option" in result.stderr


def test_console_script_works_from_another_folder(tmp_path: Path) -> None:
    result = run_cli("assess", *RCD, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["primary_route"] == "reflective_case_discussion"
    assert data["audit"]["engine"].startswith("durable_rules")


def test_facts_lists_every_question() -> None:
    out = invoke("facts").output
    assert "immediate_danger" in out and "Third-sector and adult services count." in out
    data = json.loads(invoke("facts", "--json").output)
    assert [fact["id"] for fact in data] == list(triage.Advisor().pack.fact)


def test_rules_list_and_show() -> None:
    out = invoke("rules", "list").output
    assert "rcd_out_no_reflection" in out and "rule_out" in out
    shown = invoke("rules", "show", "rcd_complex").output
    assert "reason:" in shown and "source:" in shown and "multiagency" in shown
    data = json.loads(invoke("rules", "show", "rcd_complex", "--json").output)
    assert data["route"] == "reflective_case_discussion"


def test_schemas_describe_input_and_output() -> None:
    schema_in = json.loads(invoke("schema", "input").output)
    assert schema_in["properties"]["complex"]["anyOf"]
    assert schema_in["additionalProperties"] is False
    schema_out = json.loads(invoke("schema", "output").output)
    assert set(schema_out["required"]) >= {"primary_route", "routes", "audit"}
