"""Batch runs: one JSON answer for each line of a JSON Lines file, in order.

The input is streamed line by line (a line over the input size limit is skipped through, never
held whole); output line N answers input line N, always. A line that cannot be assessed (bad JSON,
unknown fact, bad answer, too long, blank) gets `{"line": N, "error": {...}}` in its place and the
run goes on. An output file is written to a temporary file beside it and moved into place at the
end (an atomic rename), so it is either the whole answer or untouched, even on a crash or Ctrl-C.

An `id` key in a line is the case's id in the caller's records, not a fact: it is written first in
that line's output (answer or error), so that a pipeline can join the answers to its cases.

With more than one job, the first lines are answered here as they come (a small batch starts no
process), and the rest in chunks by worker processes, each with an Advisor of the same pack. The
same code answers every line either way, and the chunks are written in input order, so the output
is the one a single job writes. At most two chunks per job are in flight, so memory stays bounded
whatever the length of the input.
"""

from __future__ import annotations

import io
import itertools
import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from triage._advisor import Advisor, default_advisor
from triage._atomic import atomic_text
from triage._case import MAX_INPUT_BYTES, parse_json
from triage._errors import InputError, TriageError, did_you_mean, error_payload
from triage._pack import Pack
from triage._recommendation import Recommendation

MAX_LINE_BYTES = MAX_INPUT_BYTES
_SKIP_CHUNK = 1 << 16
MAX_ID_CHARS = 200
CHUNK_LINES = 256
"""Lines answered in this process before workers start, and the most lines a worker gets at once."""
CHUNK_BYTES = 1 << 20
"""A chunk ends early at this much input, so that long lines do not make it large."""
FIELDS = tuple(Recommendation.model_fields)
"""The fields of an answer that `fields` may choose."""


def default_jobs() -> int:
    """How many jobs a batch runs unless told: the cores this process may use."""
    if sys.platform == "linux":
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


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
    jobs: int | None = None,
    fields: Iterable[str] | None = None,
) -> BatchSummary:
    """Assess every line of a JSON Lines file (a path, '-' for stdin, or a binary stream).

    Writes one line of JSON per input line to `out` (a path, written atomically, or a text
    stream): the Recommendation, or `{"line": N, "error": {"code", "message", "field", "file",
    "line"}}`, the error as every program of triage reports it (triage/_errors.py; `field` the
    fact id at fault, or null; `line` N again). A blank line is an error too,
    so every output line is a JSON object (use `{}` for a case with every answer unknown). An
    `id` key (text of 1 to 200 characters, or a whole number) is the case's id, not a fact: it
    comes first in that line's output. `fields` keeps only those fields of each answer (compact
    output for pipelines). `jobs` worker processes answer the lines (default: one per core; see
    the module's notes); the output is the same whatever their number. `progress`, when given,
    is called with the number of input bytes taken, after each line (or chunk of lines).

    >>> import io, json, triage
    >>> out = io.StringIO()
    >>> triage.run_batch(io.BytesIO(b'{"immediate_danger": "yes"}\\n{"complx": "yes"}\\n'), out)
    BatchSummary(lines=2, bad=1)
    >>> [json.loads(line).get("primary_route") for line in out.getvalue().splitlines()]
    ['emergency_response', None]
    >>> failure = json.loads(out.getvalue().splitlines()[1])
    >>> failure["line"], failure["error"]["message"]
    (2, "unknown fact 'complx' (did you mean 'complex'?)")
    >>> failure["error"]["code"], failure["error"]["field"]
    ('unknown_fact', 'complx')
    >>> out = io.StringIO()
    >>> _ = triage.run_batch(io.BytesIO(b'{"id": 7, "complex": "yes"}\\n'), out, fields=["primary_route"])
    >>> out.getvalue()
    '{"id":7,"primary_route":"child_protection_referral"}\\n'
    """
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs: {jobs} is not a number of jobs (use 1 or more)", field="jobs")
    answerer = _Answerer(advisor or default_advisor(), _chosen(fields))
    return _run(source, out, answerer, jobs or default_jobs(), progress)


def _chosen(fields: Iterable[str] | None) -> frozenset[str] | None:
    if fields is None:
        return None
    chosen = frozenset(fields)
    if not chosen:
        raise InputError("fields: none chosen (name one or more of the answer's fields)", field="fields")
    for field in sorted(chosen):
        if field not in FIELDS:
            raise InputError(
                f"fields: unknown field '{field}'{did_you_mean(field, FIELDS)} (fields: {', '.join(FIELDS)})",
                field="fields",
            )
    return chosen


def _run(
    source: str | Path | BinaryIO,
    out: str | Path | TextIO,
    answerer: _Answerer,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> BatchSummary:
    if isinstance(out, (str, Path)):
        with atomic_text(Path(out)) as writer:
            return _run(source, writer, answerer, jobs, progress)
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise InputError("stdin: closed")
            return _run(sys.stdin.buffer, out, answerer, jobs, progress)
        try:
            reader = Path(source).open("rb")  # noqa: SIM115 - closed by the `with` below
        except OSError as error:
            raise InputError(f"{source}: cannot read: {error.strerror or error}") from None
        with reader:
            return _run(reader, out, answerer, jobs, progress)
    lines = bad = 0
    read = _lines(source)
    write = _byte_writer(out)
    # Line by line here first: a short batch, or a slow pipe, gets each answer as its line comes.
    for raw, size in itertools.islice(read, CHUNK_LINES if jobs > 1 else None):
        lines += 1
        answer, good = answerer.line(lines, raw)
        bad += not good
        write(answer)
        write(b"\n")
        if progress is not None:
            progress(size)
    chunks = _chunks(read, lines + 1)
    first = next(chunks, None)
    if first is None:
        return BatchSummary(lines=lines, bad=bad)
    more = _in_parallel(itertools.chain([first], chunks), write, answerer, jobs, progress)
    return BatchSummary(lines=lines + more.lines, bad=bad + more.bad)


class _Answerer:
    """Writes the output line of one input line: the answer (or its chosen fields) or the error,
    after the case's id when it has one."""

    def __init__(self, advisor: Advisor, fields: frozenset[str] | None) -> None:
        self.advisor, self.fields = advisor, fields
        self._include = None if fields is None else set(fields)  # the type pydantic asks for

    def line(self, number: int, raw: bytes | None) -> tuple[bytes, bool]:
        """The output line for one input line (UTF-8 JSON), and whether it was good."""
        case_id: str | int | None = None
        try:
            if raw is None:
                raise InputError(f"the line is longer than {MAX_LINE_BYTES // 1024} KiB")
            if not raw.strip():
                raise InputError("blank line (use {} for a case with every answer unknown)")
            answers = parse_json(raw, source="the line", keys="fact")
            if isinstance(answers, dict) and "id" in answers:
                case_id = _case_id(answers.pop("id"))
            recommendation = self.advisor.recommend(self.advisor.case(answers))
            # The JSON's bytes straight from pydantic's serializer (`model_dump_json` is these
            # bytes decoded): a worker's chunk crosses to the writer and into the file as bytes,
            # never decoded and encoded again on the way.
            text = Recommendation.__pydantic_serializer__.to_json(recommendation, include=self._include)
        except TriageError as error:
            # The one error shape of every program (triage/_errors.py), located at its input line.
            payload = error_payload(error)
            payload["error"]["line"] = number
            failure = {"line": number, **payload}
            if case_id is not None:
                failure = {"id": case_id, **failure}
            return json.dumps(failure, ensure_ascii=False).encode(), False
        if case_id is None:
            return text, True
        return b'{"id":' + json.dumps(case_id, ensure_ascii=False).encode() + b"," + text[1:], True

    def chunk(self, chunk: _Chunk) -> tuple[bytes, int]:
        """The output lines of a chunk, each ended by a newline, and how many were bad."""
        parts: list[bytes] = []
        bad = 0
        for number, raw in enumerate(chunk.raws, start=chunk.first):
            text, good = self.line(number, raw)
            parts.append(text)
            bad += not good
        parts.append(b"")
        return b"\n".join(parts), bad


def _case_id(value: object) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS:
        return value
    raise InputError(
        f"'id' must be a text of 1 to {MAX_ID_CHARS} characters or a whole number (the case's id)",
        field="id",
    )


@dataclass(frozen=True)
class _Chunk:
    first: int
    """The number of its first line in the input."""
    raws: list[bytes | None]
    size: int
    """The input bytes it took."""


def _chunks(read: Iterator[tuple[bytes | None, int]], first: int) -> Iterator[_Chunk]:
    raws: list[bytes | None] = []
    size = 0
    for raw, taken in read:
        raws.append(raw)
        size += taken
        if len(raws) >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield _Chunk(first, raws, size)
            first += len(raws)
            raws, size = [], 0
    if raws:
        yield _Chunk(first, raws, size)


_worker: list[_Answerer] = []  # the worker process's own answerer, set when it starts


def _start_worker(pack: Pack, fields: frozenset[str] | None) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the parent alone stops the run (and
    # removes its partial output), finishing the chunks in hand; a worker that stopped first
    # would print a traceback and break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.append(_Answerer(Advisor(pack), fields))


def _answer_chunk(chunk: _Chunk) -> tuple[bytes, int]:
    return _worker[0].chunk(chunk)


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a server process that has imported triage (quick to start, and safe
    in a program with threads, unlike forking it); spawned where there is no such server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _byte_writer(out: TextIO) -> Callable[[bytes], object]:
    """Writes UTF-8 text to `out`: to the bytes under it when it is a UTF-8 file (stdout
    included) on a system whose lines end in a newline alone, so that the answers' bytes are not
    decoded and encoded again (5 ms of the writer's time for every 256 answers); else as text."""
    buffer = getattr(out, "buffer", None)
    if (
        not isinstance(out, io.TextIOWrapper)
        or buffer is None
        or out.encoding.lower().replace("-", "") != "utf8"
        or os.linesep != "\n"
    ):
        return lambda data: out.write(data.decode())
    out.flush()  # what was written as text before comes first
    binary: BinaryIO = buffer
    return binary.write


def _in_parallel(
    chunks: Iterator[_Chunk],
    write: Callable[[bytes], object],
    answerer: _Answerer,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> BatchSummary:
    """Answers the chunks in `jobs` worker processes, writing them in input order, with at most
    two chunks per job read ahead."""
    lines = bad = 0
    pending: deque[tuple[Future[tuple[bytes, int]], int, int]] = deque()

    def write_oldest() -> None:
        nonlocal lines, bad
        future, count, size = pending.popleft()
        text, chunk_bad = future.result()
        write(text)
        lines, bad = lines + count, bad + chunk_bad
        if progress is not None:
            progress(size)

    pool = ProcessPoolExecutor(
        jobs,
        mp_context=_pool_context(),
        initializer=_start_worker,
        initargs=(answerer.advisor.pack, answerer.fields),
    )
    try:
        for chunk in chunks:
            pending.append((pool.submit(_answer_chunk, chunk), len(chunk.raws), chunk.size))
            if len(pending) >= 2 * jobs:
                write_oldest()
        while pending:
            write_oldest()
    except BrokenProcessPool:
        raise TriageError("a batch worker process stopped unexpectedly") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
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
