"""Batch on every core, case ids and compact output: the output of any number of jobs is the
output of one, errors stay in their place, reading ahead is bounded, Ctrl-C leaves nothing."""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import console_script, run_cli

import triage
import triage._batch as batch_module

STAMP = re.compile(rb'"timestamp":"[^"]*"')
BAD_LINES = [b"", b"not json", b'{"complx": "yes"}', b'{"complex": "maybe"}', b"[1, 2]", b'{"id": [1]}']


def same_second(output: bytes) -> bytes:
    """The output with every answer's timestamp (the second it was made) blanked: the one part of
    an answer that depends on when it is made, not on the case."""
    return STAMP.sub(b'"timestamp":""', output)


def mixed_lines(count: int) -> bytes:
    """`count` lines of every kind: answers over the facts' combinations, with ids, and bad lines."""
    facts = ["immediate_danger", "complex", "multiagency", "reflection_sought", "decision_sought"]
    answers = itertools.cycle(itertools.product(["yes", "no", "unknown"], repeat=len(facts)))
    lines = []
    for number in range(count):
        if number % 7 == 3:
            lines.append(BAD_LINES[number % len(BAD_LINES)])
            continue
        case: dict[str, Any] = dict(zip(facts, next(answers), strict=True))
        if number % 3 == 0:
            case = {"id": f"case-{number}", **case}
        lines.append(json.dumps(case).encode())
    return b"\n".join(lines) + b"\n"


def batch_output(data: bytes, **options: Any) -> tuple[triage.BatchSummary, bytes, list[int]]:
    out = io.StringIO()
    taken: list[int] = []
    summary = triage.run_batch(io.BytesIO(data), out, progress=taken.append, **options)
    return summary, out.getvalue().encode(), taken


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(batch_module, "CHUNK_LINES", 5)
    return 5


def test_many_jobs_write_the_output_of_one_line_for_line(small_chunks: int) -> None:
    data = mixed_lines(120)
    one, alone, _ = batch_output(data, jobs=1)
    many, together, taken = batch_output(data, jobs=3)
    assert many == one and one.bad > 0
    assert same_second(together) == same_second(alone)
    # Past the first chunk the workers answered: progress comes a chunk at a time.
    assert len(taken) == small_chunks + (120 - small_chunks) // small_chunks


def test_a_bad_line_answered_by_a_worker_is_an_error_in_its_place(small_chunks: int) -> None:
    data = mixed_lines(60)
    _, output, _ = batch_output(data, jobs=2)
    lines = output.decode().splitlines()
    assert len(lines) == 60
    for number, (given, written) in enumerate(zip(data.splitlines(), lines, strict=True), start=1):
        answer = json.loads(written)
        if given in BAD_LINES:
            assert answer["line"] == number and answer["error"]["message"]
        else:
            assert "primary_route" in answer
            assert answer.get("id") == json.loads(given).get("id")


class EndlessCases(io.RawIOBase):
    """An input that never ends, counting the lines read from it."""

    def __init__(self) -> None:
        self.read_lines = 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        self.read_lines += 1
        return b'{"complex": "yes"}\n'


class StopAfter(io.StringIO):
    """An output that stops the run (as Ctrl-C would) once enough answers are written, noting
    how far the input had been read each time."""

    def __init__(self, source: EndlessCases, writes: int) -> None:
        super().__init__()
        self.source, self.writes = source, writes
        self.read_at_write: list[int] = []

    def write(self, text: str) -> int:
        self.read_at_write.append(self.source.read_lines)
        if len(self.read_at_write) > self.writes:
            raise KeyboardInterrupt
        return super().write(text)


def test_reading_ahead_is_bounded_and_an_interrupted_run_stops(small_chunks: int) -> None:
    source = EndlessCases()
    jobs = 2
    out = StopAfter(source, writes=2 * small_chunks + 40)  # the first lines: two writes each
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        triage.run_batch(source, out, jobs=jobs)  # type: ignore[arg-type]
    assert time.monotonic() - started < 60
    # When the workers' k-th chunk is written, at most 2 x jobs chunks more have been read.
    for k, read in enumerate(out.read_at_write[2 * small_chunks :], start=1):
        assert read <= (1 + k + 2 * jobs) * small_chunks
    assert len(out.getvalue().splitlines()) == (1 + 40) * small_chunks


def test_an_id_is_written_first_in_its_answer_and_is_no_fact(advisor: triage.Advisor) -> None:
    out = io.StringIO()
    lines = (
        b'{"id": "case-a", "complex": "yes"}\n{"id": 12, "complx": "yes"}\n{"id": true}\n{"complex": "no"}\n'
    )
    summary = triage.run_batch(io.BytesIO(lines), out, advisor=advisor, jobs=1)
    first, second, third, fourth = (json.loads(line) for line in out.getvalue().splitlines())
    assert summary == triage.BatchSummary(lines=4, bad=2)
    assert next(iter(first)) == "id" and first["id"] == "case-a"
    assert first["answers"] == advisor.assess({"complex": "yes"}).model_dump(mode="json")["answers"]
    assert list(second)[:2] == ["id", "line"] and second["id"] == 12 and second["error"]["field"] == "complx"
    assert third["error"]["field"] == "id" and "id" not in third  # a bad id is not written back
    assert "id" not in fourth


def test_chosen_fields_alone_are_written(advisor: triage.Advisor) -> None:
    out = io.StringIO()
    data = b'{"id": "x", "immediate_danger": "yes"}\n{"complx": "yes"}\n'
    triage.run_batch(io.BytesIO(data), out, advisor=advisor, fields=["provisional", "primary_route"])
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"id": "x", "primary_route": "emergency_response", "provisional": False}
    assert second["line"] == 2 and second["error"]["code"] == "unknown_fact"


@pytest.mark.parametrize(
    ("fields", "message"), [(["primary_rout"], "did you mean 'primary_route'"), ([], "none")]
)
def test_unknown_or_no_fields_are_refused_before_anything_is_read(
    advisor: triage.Advisor, fields: list[str], message: str
) -> None:
    with pytest.raises(triage.InputError, match=message):
        triage.run_batch(io.BytesIO(b"{}\n"), io.StringIO(), advisor=advisor, fields=fields)


# --- through the console script ------------------------------------------------------------------


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR with a short path, where multiprocessing's fork server can put its socket."""
    folder = Path(tempfile.mkdtemp(prefix="t", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("long_tmp", [False, True], ids=["fork server", "long TMPDIR: spawned"])
def test_jobs_through_the_console_script_give_the_output_of_one_job(
    tmp_path: Path, short_tmp: Path, long_tmp: bool
) -> None:
    """To a file (the workers' answers copied file to file) and to a pipe (file to pipe), with
    workers from the fork server, or spawned where TMPDIR is too long a path for its socket (each
    worker failed to start, "AF_UNIX path too long"); the workers' spool is gone after each run."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(mixed_lines(2 * batch_module.CHUNK_LINES + 100))
    spool = short_tmp / ("long-" * 20) if long_tmp else short_tmp
    spool.mkdir(exist_ok=True)
    assert (len(str(spool)) > batch_module.UNIX_SOCKET_PATH_MAX) == long_tmp
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = run_cli("batch", str(source), "--jobs", "1", "--out", str(one))
    second = run_cli("batch", str(source), "--jobs", "2", "--out", str(two), env={"TMPDIR": str(spool)})
    assert first.returncode == second.returncode == 1, second.stderr
    assert first.stderr == second.stderr and "could not be assessed" in second.stderr
    assert same_second(two.read_bytes()) == same_second(one.read_bytes())
    piped = run_cli("batch", str(source), "--jobs", "2", env={"TMPDIR": str(spool)})
    assert piped.returncode == 1 and same_second(piped.stdout.encode()) == same_second(one.read_bytes())
    assert list(spool.iterdir()) == []


def test_a_spool_that_cannot_be_made_or_written_is_one_clear_error(
    small_chunks: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full temporary folder: the run stops with the folder and the system's reason, no
    traceback (the console script's one line), whether the folder cannot be made or a worker
    cannot write its answers in it."""
    data = mixed_lines(40)

    def full(**_: object) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    with pytest.raises(
        triage.TriageError, match=r"cannot make a folder for the workers' answers in .*: No space"
    ):
        batch_output(data, jobs=2)
    not_a_folder = tmp_path / "spool"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **_: str(not_a_folder))
    with pytest.raises(
        triage.TriageError, match=r"cannot write the workers' answers in .*spool: Not a directory"
    ):
        batch_output(data, jobs=2)


class Refusing:
    """os.copy_file_range or os.sendfile refusing these files, as between file systems or to an
    output they cannot write, counting its calls."""

    def __init__(self, code: int) -> None:
        self.code, self.calls = code, 0

    def __call__(self, *args: object) -> int:
        self.calls += 1
        raise OSError(self.code, os.strerror(self.code))


@pytest.mark.parametrize("refused", [(), ("copy_file_range",), ("copy_file_range", "sendfile")])
def test_a_spooled_chunk_reaches_the_output_whichever_way_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: tuple[str, ...]
) -> None:
    """Lines written before, then each chunk after them, in order, whether the kernel copies
    file to file, sendfile does, or the chunk is read and written (each refusal remembered)."""
    refusals = {}
    for way, code in zip(refused, (errno.EXDEV, errno.EINVAL), strict=False):
        refusals[way] = Refusing(code)
        monkeypatch.setattr(os, way, refusals[way])
    chunks = []
    for number in range(3):
        chunk = tmp_path / f"chunk-{number}"
        chunk.write_bytes(b"".join(b'{"n": %d}\n' % (number * 100 + line) for line in range(100)))
        chunks.append(chunk)
    with (tmp_path / "out.jsonl").open("w", encoding="utf-8") as out:
        write, binary = batch_module._byte_writer(out)
        write(b"first\n")
        copy = batch_module._SpoolCopier(write, binary)
        for chunk in chunks:
            copy(chunk)
        write(b"last\n")
    expected = b"first\n" + b"".join(chunk.read_bytes() for chunk in chunks) + b"last\n"
    assert (tmp_path / "out.jsonl").read_bytes() == expected
    assert all(refusal.calls == 1 for refusal in refusals.values())


def test_an_output_error_part_way_through_a_copy_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk after part of a chunk is written is the output's error, not a quiet fallback."""
    calls: list[int] = []

    def part_then_full(source: int, target: int, count: int, offset: int) -> int:
        calls.append(count)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return min(count, 10)

    monkeypatch.setattr(os, "copy_file_range", part_then_full)
    chunk = tmp_path / "chunk"
    chunk.write_bytes(b"x" * 100)
    with (tmp_path / "out.jsonl").open("w", encoding="utf-8") as out:
        write, binary = batch_module._byte_writer(out)
        with pytest.raises(OSError, match="No space left"):
            batch_module._SpoolCopier(write, binary)(chunk)
    assert calls == [100, 90]


def test_compact_fields_through_the_console_script(tmp_path: Path) -> None:
    result = run_cli("batch", "-", "--fields", "primary_route, rcd", stdin='{"id": "c1", "complex": "yes"}\n')
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)) == ["id", "primary_route", "rcd"]
    wrong = run_cli("batch", "-", "--fields", "route", "--out", str(tmp_path / "out.jsonl"), stdin="{}\n")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "unknown field 'route'" in wrong.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_a_number_of_jobs_that_is_not_one_or_more_is_a_usage_error(jobs: str) -> None:
    result = run_cli("batch", "-", "--jobs", jobs, stdin="{}\n")
    assert result.returncode == 2 and result.stdout == "" and "--jobs" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_during_a_run_on_two_jobs_leaves_no_output_and_no_process(
    tmp_path: Path, short_tmp: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"complex": "yes"}\n' * 200_000)
    out = tmp_path / "out.jsonl"
    spool = short_tmp
    process = subprocess.Popen(
        [console_script(), "batch", str(source), "--jobs", "2", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
        env={**os.environ, "TMPDIR": str(spool)},
    )
    group = process.pid
    try:
        deadline = time.monotonic() + 60
        # Past the lines answered in the parent: the workers' chunks are being written.
        while time.monotonic() < deadline:
            parts = [p for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl.")]
            if parts and parts[0].stat().st_size > 40 * batch_module.CHUNK_LINES * 1024:
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        else:
            raise AssertionError("the batch never wrote the workers' answers")
        os.killpg(group, signal.SIGINT)  # as Ctrl-C at a terminal: to every process of the job
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130 and "interrupted" in stderr
        assert stderr.strip() == "triage: interrupted"  # one line: nothing from the workers
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
        assert list(spool.iterdir()) == []  # nor the workers' spool
        while time.monotonic() < deadline:  # the workers and their server end with the run
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("worker processes outlived the run")
    finally:
        process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
