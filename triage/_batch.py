"""Batch runs: one JSON answer for each line of a JSON Lines file, in order.

The input is streamed line by line (a line over the input size limit is skipped through, never
held whole); output line N answers input line N, always. A line that cannot be assessed (bad JSON,
unknown fact, bad answer, too long, blank) gets `{"line": N, "error": "..."}` in its place and the
run goes on. An output file is written to a temporary file beside it and moved into place at the
end (an atomic rename), so it is either the whole answer or untouched, even on a crash or Ctrl-C.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from triage._advisor import Advisor, default_advisor
from triage._atomic import atomic_text
from triage._case import MAX_INPUT_BYTES, parse_json
from triage._errors import InputError, TriageError

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
        with atomic_text(Path(out)) as writer:
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
