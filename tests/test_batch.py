"""Batch runs: one answer per input line in order, bad lines in place, streaming, atomic output."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import console_script, in_a_terminal, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import partial_answers

import triage
import triage._batch as batch_module
from cli import main

GOOD = {"complex": "yes", "multiagency": "yes", "reflection_sought": "yes"}


def without_timestamp(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "audit": {**data["audit"], "timestamp": None}}


def run(lines: bytes, advisor: triage.Advisor) -> tuple[triage.BatchSummary, list[dict[str, Any]]]:
    out = io.StringIO()
    summary = triage.run_batch(io.BytesIO(lines), out, advisor=advisor)
    text = out.getvalue()
    assert text.endswith("\n") or not text
    return summary, [json.loads(line) for line in text.splitlines()]


# A line of input: good answers, or one of the ways a line can be bad (None marks a bad line).
LINES = st.one_of(
    partial_answers().map(lambda answers: (json.dumps(answers).encode(), True)),
    st.sampled_from(
        [
            (b"", False),
            (b"   ", False),
            (b"not json", False),
            (b'{"complx": "yes"}', False),
            (b'{"complex": "maybe"}', False),
            (b"[1, 2]", False),
            (b"\xff\xfe", False),
            (b'{"complex": "yes"', False),
        ]
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, max_size=12), st.booleans())
def test_one_answer_per_line_in_order_with_bad_lines_in_place(
    advisor: triage.Advisor, lines: list[tuple[bytes, bool]], final_newline: bool
) -> None:
    data = b"".join(line + b"\n" for line, _ in lines)
    if not final_newline and lines and lines[-1][0]:
        data = data[:-1]  # the last line may end without a newline (an empty one is no line)
    summary, answers = run(data, advisor)
    assert len(answers) == len(lines) == summary.lines
    assert summary.bad == sum(not good for _, good in lines)
    for number, ((line, good), answer) in enumerate(zip(lines, answers, strict=True), start=1):
        if good:
            expected = advisor.assess(json.loads(line)).model_dump(mode="json")
            assert without_timestamp(answer) == without_timestamp(expected)
        else:
            assert set(answer) == {"line", "error"} and answer["line"] == number
            assert list(answer["error"]) == ["code", "message", "field", "file", "line"]
            assert answer["error"]["line"] == number
            assert answer["error"]["message"] and "\n" not in answer["error"]["message"]


def test_a_blank_line_is_an_error_in_its_place(advisor: triage.Advisor) -> None:
    summary, answers = run(b'{}\n\n{"immediate_danger": "yes"}\n', advisor)
    assert summary == triage.BatchSummary(lines=3, bad=1)
    assert answers[1] == {
        "line": 2,
        "error": {
            "code": "bad_input",
            "message": "blank line (use {} for a case with every answer unknown)",
            "field": None,
            "file": None,
            "line": 2,
        },
    }
    assert answers[2]["primary_route"] == "emergency_response"


def test_an_error_names_the_field(advisor: triage.Advisor) -> None:
    _, answers = run(b'{"complx": "yes"}\n', advisor)
    assert answers == [
        {
            "line": 1,
            "error": {
                "code": "unknown_fact",
                "message": "unknown fact 'complx' (did you mean 'complex'?)",
                "field": "complx",
                "file": None,
                "line": 1,
            },
        }
    ]


class Reads(io.BytesIO):
    """Records the largest single read, to show a long line is never held whole."""

    largest = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.largest = max(self.largest, len(line))
        return line


def test_a_line_over_the_limit_is_refused_in_place_without_reading_it_whole(
    advisor: triage.Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "MAX_LINE_BYTES", 100)
    monkeypatch.setattr(batch_module, "_SKIP_CHUNK", 16)
    long_line = b'{"complex": "' + b"y" * 5000 + b'"}'
    exactly = b'{"complex": "yes"' + b" " * (100 - 18) + b"}"
    assert len(exactly) == 100
    source = Reads(b"{}\n" + long_line + b"\n" + exactly + b"\n" + long_line)
    out = io.StringIO()
    summary = triage.run_batch(source, out, advisor=advisor)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert summary == triage.BatchSummary(lines=4, bad=2)
    assert [answers[1]["line"], answers[3]["line"]] == [2, 4]
    assert "longer than" in answers[1]["error"]["message"] and "longer than" in answers[3]["error"]["message"]
    assert answers[2]["primary_route"] == answers[0]["primary_route"]
    assert source.largest <= 101


def test_the_real_limit_is_the_input_size_limit(advisor: triage.Advisor) -> None:
    line = b'{"complex": "yes", "x": "' + b"a" * batch_module.MAX_LINE_BYTES + b'"}\n'
    _, answers = run(line + b"{}\n", advisor)
    assert answers[0] == {
        "line": 1,
        "error": {
            "code": "bad_input",
            "message": "the line is longer than 1024 KiB",
            "field": None,
            "file": None,
            "line": 1,
        },
    }
    assert answers[1]["primary_route"] == "child_protection_referral"


# --- the output file ------------------------------------------------------------------------


def test_the_output_file_is_written_whole(tmp_path: Path, advisor: triage.Advisor) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD) + "\n{}\n")
    out = tmp_path / "out.jsonl"
    summary = triage.run_batch(source, out, advisor=advisor)
    assert summary.ok and len(out.read_text().splitlines()) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_run_leaves_the_old_output_untouched_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt: type[BaseException]
) -> None:
    advisor = triage.Advisor()
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n" * 50)
    out = tmp_path / "out.jsonl"
    out.write_text("the previous answers\n")
    calls = 0
    recommend = advisor.recommend

    def failing(case: dict[str, str]) -> triage.Recommendation:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise interrupt()
        return recommend(case)

    monkeypatch.setattr(advisor, "recommend", failing)
    with pytest.raises(interrupt):
        triage.run_batch(source, out, advisor=advisor)
    assert out.read_text() == "the previous answers\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    fresh = tmp_path / "fresh.jsonl"
    monkeypatch.setattr(advisor, "recommend", failing)
    calls = 0
    with pytest.raises(interrupt):
        triage.run_batch(source, fresh, advisor=advisor)
    assert not fresh.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def waiting_for_input(pid: int) -> bool:
    """Whether the process sleeps in a read of its standard input (Linux: /proc/PID/wchan, which
    reads "0" where the kernel hides it: then sleeping is taken as waiting)."""
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    wchan = Path(f"/proc/{pid}/wchan").read_text()
    return state == "S" and ("pipe" in wchan or wchan in ("", "0"))


def test_ctrl_c_on_the_console_script_leaves_no_output_file(tmp_path: Path) -> None:
    # Deterministic: the interrupt comes when the run has written answers to its temporary file
    # and waits, idle, for more input on a pipe the test holds open (not at a random moment).
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [console_script(), "batch", "-", "--out", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    try:
        process.stdin.write("{}\n" * 20)  # some 100 KB of answers: the file buffer is flushed
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            parts = [p for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl.")]
            if parts and parts[0].stat().st_size > 0 and waiting_for_input(process.pid):
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        else:
            raise AssertionError("the batch never wrote its answers and waited for more input")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "interrupted" in stderr
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_does_not_exist_is_one_line_and_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n")
    result = CliRunner().invoke(main, ["batch", str(source), "--out", str(tmp_path / "no" / "out.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.startswith("triage: error: ") and "cannot write" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_input_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.stderr and result.stdout == ""


# --- the command line -------------------------------------------------------------------------


def test_batch_to_stdout_exits_1_after_every_line_when_one_is_bad(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{}\n{"complex": "maybe"}\n{"immediate_danger": "yes"}\n')
    result = CliRunner().invoke(main, ["batch", str(source)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("primary_route") for line in lines] == [
        "child_protection_referral",
        None,
        "emergency_response",
    ]
    assert lines[1]["line"] == 2
    assert result.stderr == "triage: 1 of 3 lines could not be assessed\n"


def test_batch_reads_stdin_and_exits_0_when_every_line_is_good() -> None:
    result = CliRunner().invoke(main, ["batch", "-"], input=json.dumps(GOOD) + "\n{}\n")
    assert result.exit_code == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 2


def test_an_empty_input_gives_an_empty_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", str(source), "--out", str(out)])
    assert result.exit_code == 0 and out.read_text() == ""


def test_batch_through_the_console_script(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD) + "\nnot json\n")
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr == "triage: 1 of 2 lines could not be assessed\n"
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["rcd"]["status"] == "recommended"
    assert second["line"] == 2 and "malformed JSON" in second["error"]["message"]


def test_a_progress_bar_shows_on_stderr_only_when_it_is_a_terminal(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n" * 300)
    out = tmp_path / "out.jsonl"
    code, stdout, seen = in_a_terminal("batch", str(source), "--out", str(out))
    assert code == 0 and stdout == ""
    assert "assessing" in seen and "100%" in seen
    assert len(out.read_text().splitlines()) == 300
    quiet = run_cli("batch", str(source), "--out", str(tmp_path / "quiet.jsonl"))
    assert quiet.returncode == 0 and quiet.stderr == ""
