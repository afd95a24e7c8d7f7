"""The CLI on the way in and out, as a careless user or a hostile one would drive it: odd output
paths, full disks, closed and broken streams, signals, and free text where ids belong. Each case
is one line on stderr (never a traceback) and a documented exit code (docs/integration.md,
"Errors and exit codes"), and nothing half-written is left behind."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import console_script, run_cli

from triage._atomic import part_path

PERSONAL = "Jane Doe, 12 High St"  # made up; stands for any name or address
PARTS = ("Jane", "Doe", "High St")
NOT_REGULAR = "not a regular file (a device, FIFO or symlink is not replaced)"
CASE = '{"complex": "yes", "multiagency": "yes"}\n'


def run(
    *args: str,
    stdin: bytes | None = None,
    before: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """The console script with bytes in and out; `before` runs in the child (closing a stream,
    setting a limit) just before it starts."""
    return subprocess.run(
        [console_script(), *args],
        input=stdin,
        capture_output=True,
        preexec_fn=before,
        env={**os.environ, **(env or {})},
        cwd=cwd or Path("/"),
        timeout=60,
        check=False,
    )


def one_line(stderr: bytes) -> str:
    """The error the CLI printed: exactly one line, no traceback."""
    text = stderr.decode()
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text.rstrip("\n")


def cases(folder: Path, count: int) -> Path:
    source = folder / "in.jsonl"
    source.write_text(CASE * count)
    return source


# --- 1. batch --out ------------------------------------------------------------------------------


def test_batch_out_refuses_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("batch", str(cases(tmp_path, 2)), "--out", str(fifo))
    assert result.returncode == 2
    assert one_line(result.stderr) == f"triage: error: {fifo}: {NOT_REGULAR}"
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "pipe"]


def test_batch_out_refuses_a_symlink_and_leaves_it_and_its_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    result = run("batch", str(cases(tmp_path, 2)), "--out", str(link))
    assert result.returncode == 2
    assert one_line(result.stderr) == f"triage: error: {link}: {NOT_REGULAR}"
    assert link.is_symlink() and target.read_text() == "keep me\n"


def test_batch_out_dash_is_stdout(tmp_path: Path) -> None:
    result = run("batch", str(cases(tmp_path, 2)), "--out", "-", cwd=tmp_path)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    assert not (tmp_path / "-").exists()


def test_batch_out_empty_is_refused_before_any_work(tmp_path: Path) -> None:
    result = run("batch", str(tmp_path / "missing.jsonl"), "--out", "")
    assert result.returncode == 2
    assert one_line(result.stderr) == "triage: error: --out: an empty file name"


def test_batch_out_with_a_long_valid_name_works(tmp_path: Path) -> None:
    out = tmp_path / ("o" * 250)
    result = run("batch", str(cases(tmp_path, 2)), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 2


# --- 8. full disks, closed and broken streams ---------------------------------------------------


def small_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # a full disk, as the writer sees it


def test_a_full_disk_on_batch_out_is_one_line_exit_4_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("batch", str(cases(tmp_path, 50)), "--out", str(out), before=small_file_limit)
    assert result.returncode == 4
    assert one_line(result.stderr).startswith(f"triage: error: {out}: cannot write: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.parametrize("args", [("facts",), ("--help",), ("--version",), ("rules", "--help")])
def test_stdout_to_a_full_device_is_one_line_exit_4(args: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [console_script(), *args], stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert done.returncode == 4
    assert one_line(done.stderr).startswith("triage: error: stdout: cannot write: ")


@pytest.mark.parametrize(
    "args",
    [
        ("assess", "--input", "-"),
        ("batch", "-"),
        ("what-if", "-"),
        ("explain", "-", "--why-not", "decision_forum"),
        ("ask",),
    ],
)
def test_a_closed_stdin_is_one_line_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args, before=lambda: os.close(0))
    assert result.returncode == 2
    assert one_line(result.stderr) == "triage: error: stdin: closed"


@pytest.mark.parametrize(
    "args", [("assess",), ("facts",), ("rules", "list"), ("schema", "input"), ("--help",), ("--version",)]
)
def test_a_closed_stdout_is_one_line_exit_4(args: tuple[str, ...]) -> None:
    result = run(*args, before=lambda: os.close(1))
    assert result.returncode == 4
    assert one_line(result.stderr).startswith("triage: error: stdout: cannot write: ")


def test_invalid_utf8_typed_into_ask_is_one_line_exit_2() -> None:
    result = run("ask", stdin=b"\xff\xfe\n", env={"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""})
    assert result.returncode == 2 and result.stdout == b""
    assert one_line(result.stderr.splitlines(keepends=True)[-1]) == "triage: error: stdin: not UTF-8 text"


def test_batch_into_a_closed_pipe_exits_quietly_with_141(tmp_path: Path) -> None:
    # `triage batch cases.jsonl | head -1`: the reader goes away; like Unix tools, no message,
    # and an exit code apart from 1 (bad lines).
    process = subprocess.Popen(
        [console_script(), "batch", str(cases(tmp_path, 3000))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["primary_route"]
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""


# --- 9. partial files ----------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_during_batch_out_leaves_no_part_file(tmp_path: Path, sent: int, code: int) -> None:
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [console_script(), "batch", "-", "--out", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(CASE.encode() * 5)
    process.stdin.flush()  # the input stays open: the run is waiting for more
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*.part")):
        assert time.monotonic() < deadline, "no part file appeared"
        time.sleep(0.05)
    process.send_signal(sent)
    assert process.wait(timeout=60) == code
    assert one_line(process.stderr.read()) == "triage: interrupted"
    assert list(tmp_path.iterdir()) == []
    process.stdin.close()


def test_a_stale_part_of_an_earlier_run_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # no process has it
    stale = part_path(out, dead_pid)
    stale.write_text("answers of a killed run\n")
    result = run("batch", str(cases(tmp_path, 2)), "--out", str(out))
    assert result.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_parts_of_other_outputs_an_hour_old_are_removed_unless_a_writer_holds_them(tmp_path: Path) -> None:
    # Left by killed runs to other outputs in the folder: cleaned once they are an hour old, unless
    # a writer still holds one (this test holds `held`, as a live writer would).
    old = time.time() - 3700
    stale, held, young = (
        part_path(tmp_path / name, os.getpid()) for name in ("a.jsonl", "b.jsonl", "c.jsonl")
    )
    for part in (stale, held, young):
        part.write_text("answers of another run\n")
    os.utime(stale, (old, old))
    os.utime(held, (old, old))
    with held.open("rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        result = run("batch", str(cases(tmp_path, 2)), "--out", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert held.exists() and young.exists()


# --- 10. no free text echoed -------------------------------------------------------------------


def assert_not_echoed(text: str) -> None:
    for part in PARTS:
        assert part not in text, text


@pytest.mark.parametrize(
    "args",
    [
        (PERSONAL,),
        ("rules", PERSONAL),
        ("assess", PERSONAL),
        ("assess", "--format", PERSONAL),
        ("assess", f"--{PERSONAL}"),
        ("assess", f"--json={PERSONAL}"),
        ("facts", PERSONAL),
        ("schema", PERSONAL),
        ("rules", "show", PERSONAL),
        ("rules", "list", PERSONAL),
        ("rules", "doc", PERSONAL),
        ("rules", "diagram", PERSONAL),
        ("rules", "diff", PERSONAL, "."),
        ("rules", "diagram", "--format", PERSONAL),
        ("rules", "check", "/", PERSONAL),
        ("what-if", "CASE", "--max-changes", PERSONAL),
        ("what-if", "CASE", "--set", PERSONAL),
        ("what-if", "CASE", PERSONAL),
        ("explain", "CASE", "--why-not", PERSONAL),
        ("batch", "CASE", PERSONAL),
        ("ask", PERSONAL),
        ("serve", PERSONAL),
        ("serve", "--port", PERSONAL),
    ],
)
def test_no_message_repeats_free_text_given_as_an_argument(tmp_path: Path, args: tuple[str, ...]) -> None:
    case = tmp_path / "case.json"
    case.write_text("{}")
    result = run_cli(*[str(case) if arg == "CASE" else arg for arg in args])
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1
    assert_not_echoed(result.stderr + result.stdout)


@pytest.mark.parametrize("args", [("assess", "--input", "-"), ("what-if", "-"), ("batch", "-"), ("ask",)])
def test_no_message_or_prompt_repeats_free_text_given_on_stdin(args: tuple[str, ...]) -> None:
    for stdin in (PERSONAL + "\n", json.dumps({"complex": PERSONAL}) + "\n", f"{PERSONAL}\nquit\n"):
        result = run_cli(*args, stdin=stdin)
        assert_not_echoed(result.stderr + result.stdout)


# --- 11. smaller inconsistencies ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["FIFO", "/dev/zero"])
def test_triage_test_on_something_not_a_file_says_so(tmp_path: Path, path: str) -> None:
    if path == "FIFO":
        path = str(tmp_path / "pipe")
        os.mkfifo(path)
    result = run("test", path)
    assert result.returncode == 2
    assert one_line(result.stderr) == f"triage: error: {path}: not a regular file or folder"


def test_an_overlong_ask_reply_answers_no_question() -> None:
    # `no`, 1 MiB of spaces, `yes`: one reply, refused; never two answers.
    result = run("ask", "--json", stdin=b"no" + b" " * (1 << 20) + b"yes\n")
    assert result.returncode == 2 and result.stdout == b""
    error = json.loads(result.stderr.decode().splitlines()[-1])["error"]
    assert (error["code"], error["message"]) == ("bad_input", "stdin: a reply longer than 1024 KiB")


@pytest.mark.parametrize(
    ("encoded", "accepted"),
    [
        (b"\xef\xbb\xbf" + CASE.encode(), True),  # a UTF-8 byte-order mark, as Windows editors write
        (CASE.encode("utf-16"), False),
        (CASE.encode("utf-16-le"), False),
    ],
)
def test_batch_and_assess_accept_and_refuse_the_same_encodings(
    tmp_path: Path, encoded: bytes, accepted: bool
) -> None:
    source = tmp_path / "case.json"
    source.write_bytes(encoded)
    assessed = run("assess", "--input", str(source), "--json")
    batched = run("batch", str(source))
    first = json.loads(batched.stdout.splitlines()[0])
    if accepted:
        assert assessed.returncode == 0 and batched.returncode == 0
        assert first["primary_route"] == json.loads(assessed.stdout)["primary_route"]
    else:
        assert assessed.returncode == 2 and batched.returncode == 1
        error = json.loads(one_line(assessed.stderr))["error"]
        assert (error["code"], error["message"], error["file"]) == (
            "bad_input",
            f"{source}: not UTF-8 text",
            str(source),
        )
        assert first == {
            "line": 1,
            "error": {
                "code": "bad_input",
                "message": "the line: not UTF-8 text",
                "field": None,
                "file": None,
                "line": 1,
            },
        }
