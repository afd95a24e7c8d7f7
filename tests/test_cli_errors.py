"""Bad input of any kind, command-line flags included, is one line on stderr naming the problem,
exit 2, no traceback and no usage screen; `python -m triage` runs this package's command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import in_a_terminal, run_cli

import cli
import triage
from cli import main

USAGE_ERRORS = [
    (["assess", "--nope"], "no such option '--nope' (did you mean --input?)"),
    (["assess", "--rules", "/etc/hostname"], "Invalid value for '--rules'"),
    (["assess", "--format", "pdf"], "invalid value for '--format': use one of text, json, markdown"),
    (["assess", "--fact"], "Option '--fact' requires an argument"),
    (["rules", "check", "no-such-folder"], "'no-such-folder' does not exist"),
    (["rules", "show"], "Missing argument 'RULE'"),
    (["test", "no-such-file.json"], "'no-such-file.json' does not exist"),
    (
        ["what-if", "case.json", "--max-changes", "9"],
        "invalid value for '--max-changes': use a whole number from 1 to 3",
    ),
    (["schema", "answers"], "invalid value for KIND: use one of input, output, pack"),
    (["batch", "-", "--jobs", "0"], "invalid value for '--jobs': use a whole number of 1 or more"),
    (
        ["test", "-", "--min-coverage", "101"],
        "invalid value for '--min-coverage': use a number from 0 to 100",
    ),
    (
        ["test", "-", "--min-coverage", "all"],
        "invalid value for '--min-coverage': use a number from 0 to 100",
    ),
    (
        ["serve", "--request-timeout", "0"],
        "invalid value for '--request-timeout': use a number more than 0 and at most 3600",
    ),
    (["nosuchcommand"], "no such command 'nosuchcommand'"),
    (["assess", "--json", "--format", "markdown"], "--json and --format markdown disagree"),
]


def one_line_error(stderr: str, expected: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("triage: error: ") and expected in lines[0], stderr


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    one_line_error(result.stderr, expected)


def every_option(group: click.Group) -> Iterator[tuple[str, click.Parameter]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from ((f"{name} {inner}", param) for inner, param in every_option(command))
        else:
            yield from ((name, param) for param in command.params)


def test_every_number_option_states_its_range_in_words() -> None:
    """Never click's "0<x<=3600", "INTEGER RANGE", "float" or "None", in --help or in an error:
    the range as a person would say it."""
    ranged = [
        (command, param)
        for command, param in every_option(main)
        if isinstance(param.type, (click.IntRange, click.FloatRange))
    ]
    assert len(ranged) >= 8
    for command, param in ranged:
        assert isinstance(param, click.Option)
        name, described = param.get_help_record(click.Context(main)) or ("", "")
        shown = f"{name} {described}"
        assert not re.search(r"RANGE|INTEGER|FLOAT|<|>|None", shown), (command, shown)
        message = cli.usage_message(click.BadParameter("no", param=param))
        assert re.fullmatch(
            r"invalid value for '--[a-z-]+': use a (whole )?number "
            r"(from \d+(\.\d+)? to \d+(\.\d+)?|of \d+ or more|more than \d+ and at most \d+)",
            message,
        ), (command, message)


def test_usage_errors_through_the_console_script() -> None:
    for args, expected in USAGE_ERRORS[:5]:
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        one_line_error(result.stderr, expected)


def test_help_and_version_still_work() -> None:
    help_text = run_cli("assess", "--help")
    assert help_text.returncode == 0 and help_text.stderr == ""
    assert help_text.stdout.startswith("Usage: triage assess [OPTIONS]")
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith(f"triage {triage.__version__}\n")


def test_a_group_without_a_command_shows_its_help() -> None:
    result = CliRunner().invoke(main, ["rules"], prog_name="triage")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Usage: triage rules [OPTIONS] COMMAND")
    assert "check" in result.stderr and "show" in result.stderr


def test_version_with_a_broken_default_pack_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_rules_dir: Path | None) -> triage.Advisor:
        raise triage.PackError("mapping values are not allowed here", file="rules.yaml")

    monkeypatch.setattr(cli, "advisor_for", broken)
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 3 and result.stdout == ""
    one_line_error(result.stderr, "rules.yaml: mapping values are not allowed here")


def test_a_triage_error_in_a_command_is_still_one_line_and_exit_2() -> None:
    result = run_cli("assess", "--fact", "complx=yes")
    assert result.returncode == 2 and result.stdout == ""
    one_line_error(result.stderr, "unknown fact 'complx' (did you mean 'complex'?)")


def test_batch_of_a_missing_file_in_a_terminal_is_one_line(tmp_path: Path) -> None:
    code, stdout, shown = in_a_terminal("batch", str(tmp_path / "missing.jsonl"))
    assert stdout == ""
    assert code == 2
    assert "Traceback" not in shown
    one_line_error(shown, "missing.jsonl: cannot read: No such file or directory")


def test_batch_in_a_terminal_shows_no_bar_before_an_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n" * 50)
    code, stdout, shown = in_a_terminal("batch", str(source), "--out", str(tmp_path / "no" / "out.jsonl"))
    assert stdout == ""
    assert code == 2
    one_line_error(shown, "out.jsonl: cannot write")
    code, stdout, shown = in_a_terminal("batch", str(tmp_path))
    assert stdout == ""
    assert code == 2
    one_line_error(shown, "cannot read: Is a directory")


def test_python_m_triage_ignores_a_cli_py_in_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "cli.py").write_text('raise SystemExit("the decoy cli.py ran")\n')
    result = subprocess.run(
        [sys.executable, "-m", "triage", "assess", "--fact", "immediate_danger=yes", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["primary_route"] == "emergency_response"
    usage = subprocess.run(
        [sys.executable, "-m", "triage", "assess", "--nope"], cwd=tmp_path, capture_output=True, text=True
    )
    assert usage.returncode == 2 and "decoy" not in usage.stderr
    one_line_error(usage.stderr, "no such option '--nope' (did you mean --input?)")


def test_python_m_triage_without_its_command_line_says_so(tmp_path: Path) -> None:
    # A copy of the package with no cli.py beside it (the current folder comes first on the path).
    shutil.copytree(
        Path(triage.__file__).parent, tmp_path / "triage", ignore=shutil.ignore_patterns("__pycache__")
    )
    result = subprocess.run(
        [sys.executable, "-m", "triage", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    one_line_error(result.stderr, "the command line (triage/_cli.py) is missing: reinstall triage")


def test_a_fact_given_twice_on_the_command_line_is_refused() -> None:
    # A later --fact must never silently replace an earlier answer, a safety answer least of all.
    result = run_cli("assess", "--fact", "immediate_danger=yes", "--fact", "immediate_danger=no")
    assert result.returncode == 2 and result.stdout == ""
    one_line_error(result.stderr, "fact 'immediate_danger' is given twice (option --fact)")


def test_answers_that_are_not_an_object_name_the_file_and_the_json_kind(tmp_path: Path) -> None:
    for content, kind in (("[1]", "a list"), ("null", "null"), ('"x"', "'x'"), ("3", "a number")):
        path = tmp_path / "answers.json"
        path.write_text(content)
        result = run_cli("assess", "--input", str(path))
        assert result.returncode == 2
        one_line_error(
            result.stderr, f"{path}: the answers must be a JSON object of fact ids to answers, not {kind}"
        )


# --- errors a program can read (--json / --format json) ----------------------------------------


def json_error(stderr: str) -> dict[str, object]:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    data = json.loads(lines[0])
    assert list(data) == ["error"] and list(data["error"]) == ["code", "message", "field", "file", "line"]
    error: dict[str, object] = data["error"]
    return error


@pytest.mark.parametrize("flag", [["--json"], ["--format", "json"], ["--format=json"]])
def test_with_json_an_error_is_one_json_object_on_stderr(flag: list[str]) -> None:
    result = run_cli("assess", "--fact", "complx=yes", *flag)
    assert result.returncode == 2 and result.stdout == ""
    error = json_error(result.stderr)
    assert error["code"] == "unknown_fact" and error["field"] == "complx"
    assert error["message"] == "unknown fact 'complx' (did you mean 'complex'?)"
    assert error["file"] is None and error["line"] is None


def test_json_errors_name_the_code_file_and_line(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text('{\n  "complex": "yes",\n  "multiagency": yes\n}\n')
    error = json_error(CliRunner().invoke(main, ["assess", "--input", str(case), "--json"]).stderr)
    assert (error["code"], error["file"], error["line"]) == ("bad_input", str(case), 3)
    case.write_text('{"complex": "maybe"}')
    error = json_error(CliRunner().invoke(main, ["what-if", str(case), "--json"]).stderr)
    assert (error["code"], error["field"], error["file"]) == ("bad_answer", "complex", str(case))
    usage = CliRunner().invoke(main, ["assess", "--nope", "--json"])
    assert usage.exit_code == 2 and json_error(usage.stderr)["code"] == "usage"
    # Without --json the same error stays one line of text.
    text = CliRunner().invoke(main, ["what-if", str(case)])
    assert text.exit_code == 2 and text.stderr.startswith("triage: error: ")


def test_a_broken_pack_exits_3_distinct_from_bad_input(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), pack)
    (pack / "rules.yaml").write_text((pack / "rules.yaml").read_text() + "\n  - id: [broken\n")
    text = run_cli("assess", "--rules", str(pack))
    assert text.returncode == 3 and text.stderr.startswith("triage: error: ")
    result = run_cli("assess", "--rules", str(pack), "--json")
    assert result.returncode == 3
    error = json_error(result.stderr)
    assert error["code"] == "bad_pack" and str(error["file"]).endswith("rules.yaml")
    assert isinstance(error["line"], int) and error["line"] > 1
    bad_input = run_cli("assess", "--fact", "complex=maybe", "--json")
    assert bad_input.returncode == 2 and json_error(bad_input.stderr)["code"] == "bad_answer"


def test_batch_error_objects_carry_code_and_field(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"complex": "maybe"}\n{"complx": "yes"}\n{\n\n')
    result = CliRunner().invoke(main, ["batch", str(source)])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["error"]["code"], line["error"]["field"]) for line in lines] == [
        ("bad_answer", "complex"),
        ("unknown_fact", "complx"),
        ("bad_input", None),
        ("bad_input", None),
    ]
