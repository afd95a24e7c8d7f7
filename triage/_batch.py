"""Batch runs: one JSON answer for each line of a JSON Lines file, in order.

The input is streamed line by line (a line over the input size limit is skipped through, never
held whole); output line N answers input line N, always. A line that cannot be assessed (bad JSON,
unknown fact, bad answer, too long, blank) gets `{"line": N, "error": "..."}` in its place and the
run goes on. An output file is written to a temporary file beside it and moved into place at the
end (an atomic rename), so it is either the whole answer or untouched, even on a crash or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from triage._advisor import Advisor, default_advisor
from triage._case import MAX_INPUT_BYTES, parse_json
from triage._errors import InputError, OutputError, TriageError

MAX_LINE_BYTES = MAX_INPUT_BYTES
_SKIP_CHUNK = 1 << 16


@dataclass(frozen=True)
class BatchSummary:
    """How many lines a batch run answered, and how many of them were bad.

    >>> import io, triage
    >>> summary = triage.run_batch(io.BytesIO(b'{}\\n{"complx": "yes"}\\n'), io.StringIO())
    >>> summary, summary.ok
    (BatchSummary(lines=2, bad=1), False)
    """

    lines: int
    bad: int

    @property
    def ok(self) -> bool:
        return self.bad == 0


def run_batch(
    source: str | Path | BinaryIO,
    out: str | Path | TextIO,
    *,
    advisor: Advisor | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Assess every line of a JSON Lines file (a path, '-' for stdin, or a binary stream).

    Writes one line of JSON per input line to `out` (a path, written atomically, or a text
    stream): the Recommendation, or `{"line": N, "error": "...", "code": "...", "field": ...}`
    (`code` as in triage/_errors.py; `field` the fact id at fault, or null). A blank line is an error too,
    so every output line is a JSON object (use `{}` for a case with every answer unknown).
    `progress`, when given, is called after each line with the number of input bytes it took.

    >>> import io, json, triage
    >>> out = io.StringIO()
    >>> triage.run_batch(io.BytesIO(b'{"immediate_danger": "yes"}\\n{"complx": "yes"}\\n'), out)
    BatchSummary(lines=2, bad=1)
    >>> [json.loads(line).get("primary_route") for line in out.getvalue().splitlines()]
    ['emergency_response', None]
    >>> failure = json.loads(out.getvalue().splitlines()[1])
    >>> failure["line"], failure["error"]
    (2, "unknown fact 'complx' (did you mean 'complex'?)")
    >>> failure["code"], failure["field"]
    ('unknown_fact', 'complx')
    """
    advisor = advisor or default_advisor()
    if isinstance(out, (str, Path)):
        with _atomic_text(Path(out)) as writer:
            return run_batch(source, writer, advisor=advisor, progress=progress)
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise InputError("stdin: closed")
            return run_batch(sys.stdin.buffer, out, advisor=advisor, progress=progress)
        try:
            reader = Path(source).open("rb")  # noqa: SIM115 - closed by the `with` below
        except OSError as error:
            raise InputError(f"{source}: cannot read: {error.strerror or error}") from None
        with reader:
            return run_batch(reader, out, advisor=advisor, progress=progress)
    lines = bad = 0
    for raw, size in _lines(source):
        lines += 1
        answer, good = _answer(advisor, lines, raw)
        bad += not good
        out.write(answer)
        out.write("\n")
        if progress is not None:
            progress(size)
    return BatchSummary(lines=lines, bad=bad)


def _lines(handle: BinaryIO) -> Iterator[tuple[bytes | None, int]]:
    """Each line (None when longer than the limit) and the bytes it took, reading at most the
    limit at a time."""
    while True:
        line = _read(handle, MAX_LINE_BYTES + 1)
        if not line:
            return
        size = len(line)
        if size <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line, size
            continue
        while not line.endswith(b"\n"):
            line = _read(handle, _SKIP_CHUNK)
            if not line:
                break
            size += len(line)
        yield None, size


def _read(handle: BinaryIO, limit: int) -> bytes:
    try:
        return handle.readline(limit)
    except OSError as error:
        raise InputError(f"the input: cannot read: {error.strerror or error}") from None


def _answer(advisor: Advisor, number: int, raw: bytes | None) -> tuple[str, bool]:
    """The output line for one input line, and whether it was good."""
    try:
        if raw is None:
            raise InputError(f"the line is longer than {MAX_LINE_BYTES // 1024} KiB")
        if not raw.strip():
            raise InputError("blank line (use {} for a case with every answer unknown)")
        case = advisor.case(parse_json(raw, source="the line", keys="fact"))
        return advisor.recommend(case).model_dump_json(), True
    except TriageError as error:
        failure = {"line": number, "error": str(error), "code": error.code, "field": error.field}
        return json.dumps(failure, ensure_ascii=False), False


def part_path(path: Path, pid: int) -> Path:
    """The temporary file beside `path` that process `pid` writes before renaming it into place.
    Named by the output (its name cut short, so that a long but valid name still leaves room) and
    the writer's process id, so that a part left by a killed run can be told from a live one's."""
    digest = hashlib.sha256(path.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return path.with_name(f".{path.name[:120]}.{digest}.{pid}.part")


def _remove_stale_parts(path: Path) -> None:
    """Remove the parts of `path` left by runs that were killed (SIGKILL, a crash, power loss)."""
    pattern = part_path(path, 0).name.removesuffix(".0.part")
    for stale in path.parent.glob(f"{glob.escape(pattern)}.*.part"):
        pid = stale.name.removeprefix(pattern + ".").removesuffix(".part")
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def check_output(path: Path) -> None:
    """Refuse an output path that is not a new or regular file: renaming over a device, a FIFO or
    a symlink would replace it (as root, /dev/null or /dev/stdout) rather than write into it."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file (a device, FIFO or symlink is not replaced)")


@contextlib.contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that appears at `path` whole when the block ends, and not at all if it fails
    (an error, Ctrl-C, or a signal the caller turns into an exception)."""
    check_output(path)
    _remove_stale_parts(path)
    temporary = part_path(path, os.getpid())
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # left by an earlier process that had this id
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                yield handle  # reading errors arrive here as InputError: an OSError is a write's
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
        except OSError as error:  # a full disk, a file size limit
            raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    except BaseException:  # Ctrl-C included: never leave a partial file behind
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
