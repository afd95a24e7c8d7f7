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
whatever the length of the input. A worker writes a chunk's answers to a file of the run's spool
folder, which this process copies to the output (inside the kernel where it can) and deletes: the
answers never cross a pipe or this process's memory.
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
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
    write, binary = _byte_writer(out)
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
    copy = _SpoolCopier(write, binary)
    more = _in_parallel(itertools.chain([first], chunks), copy, answerer, jobs, progress)
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
            # bytes decoded): a chunk goes to its spool file, and on to the output, as bytes,
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


_worker: list[tuple[_Answerer, Path]] = []  # the worker process's answerer and spool, set when it starts


def _start_worker(pack: Pack, fields: frozenset[str] | None, spool: str) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the parent alone stops the run (and
    # removes its partial output), finishing the chunks in hand; a worker that stopped first
    # would print a traceback and break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.append((_Answerer(Advisor(pack), fields), Path(spool)))


def _answer_chunk(chunk: _Chunk) -> tuple[str, int]:
    """Answers a chunk into a file of the run's spool: its name, and how many lines were bad."""
    answerer, spool = _worker[0]
    text, bad = answerer.chunk(chunk)
    path = spool / str(chunk.first)
    path.write_bytes(text)
    return str(path), bad


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a server process that has imported triage (quick to start, and safe
    in a program with threads, unlike forking it); spawned where there is no such server, or
    where the socket it listens on would have a path too long for the system (a long TMPDIR)."""
    if "forkserver" not in multiprocessing.get_all_start_methods() or not _server_socket_fits():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


UNIX_SOCKET_PATH_MAX = 103
"""The longest path a Unix socket may have everywhere (108 bytes on Linux, 104 on macOS, each
with its ending zero byte)."""


def _server_socket_fits() -> bool:
    """Whether the fork server's socket, in multiprocessing's folder under TMPDIR, has a path
    short enough (else every worker fails to start with "AF_UNIX path too long")."""
    from multiprocessing.connection import arbitrary_address  # type: ignore[attr-defined]

    return len(os.fsencode(arbitrary_address("AF_UNIX"))) <= UNIX_SOCKET_PATH_MAX


def _byte_writer(out: TextIO) -> tuple[Callable[[bytes], object], BinaryIO | None]:
    """Writes UTF-8 text to `out`: to the bytes under it when it is a UTF-8 file (stdout
    included) on a system whose lines end in a newline alone, so that the answers' bytes are not
    decoded and encoded again (5 ms of the writer's time for every 256 answers); else as text.
    Gives the writer, and the binary file under `out` when it writes to that."""
    buffer = getattr(out, "buffer", None)
    if (
        not isinstance(out, io.TextIOWrapper)
        or buffer is None
        or out.encoding.lower().replace("-", "") != "utf8"
        or os.linesep != "\n"
    ):
        return (lambda data: out.write(data.decode())), None
    out.flush()  # what was written as text before comes first
    binary: BinaryIO = buffer
    return binary.write, binary


class _SpoolCopier:
    """Appends a spooled chunk's file to the output: inside the kernel where the output is a
    file descriptor (copy_file_range between files, else sendfile, which also writes to pipes),
    so that the answers' bytes never pass through this process; else read and written."""

    def __init__(self, write: Callable[[bytes], object], binary: BinaryIO | None) -> None:
        self._write, self._binary = write, binary
        self._target: int | None = None
        if binary is not None:
            try:
                self._target = binary.fileno()
            except (OSError, ValueError):  # io.UnsupportedOperation is both
                self._target = None
        self._ways = [way for way in ("copy_file_range", "sendfile") if hasattr(os, way)]

    def __call__(self, path: Path) -> None:
        with path.open("rb") as spooled:
            size = os.fstat(spooled.fileno()).st_size
            target, binary = self._target, self._binary
            if target is not None and binary is not None:
                binary.flush()  # the lines written before come first
                while self._ways:
                    if self._copied(self._ways[0], spooled.fileno(), target, size):
                        return
                    del self._ways[0]  # not for these files: the next way, for this run
            self._write(spooled.read())

    @staticmethod
    def _copied(way: str, source: int, target: int, size: int) -> bool:
        """Copies `size` bytes from the start of `source` to the output the `way` named, or
        False when that way refuses these files before writing anything."""
        done = 0
        while done < size:
            try:
                if way == "copy_file_range":
                    sent = os.copy_file_range(source, target, size - done, done)
                else:
                    sent = os.sendfile(target, source, done, size - done)
            except OSError as error:
                if done == 0 and error.errno in _NOT_FOR_THESE_FILES:
                    return False
                raise
            if sent == 0:
                if done == 0:
                    return False
                raise OSError(errno.EIO, f"the output took {done} of {size} bytes")
            done += sent
        return True


_NOT_FOR_THESE_FILES = frozenset(
    code
    for code in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EBADF, errno.EOPNOTSUPP, errno.ENOTSUP)
    if code is not None
)


def _in_parallel(
    chunks: Iterator[_Chunk],
    copy: _SpoolCopier,
    answerer: _Answerer,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> BatchSummary:
    """Answers the chunks in `jobs` worker processes, writing them in input order, with at most
    two chunks per job read ahead. Each worker writes a chunk's answers to a file of a spool
    folder of this run's own, which is copied to the output and deleted (the folder goes at the
    end, whatever happens): answers do not cross a pipe and this process's memory."""
    lines = bad = 0
    pending: deque[tuple[Future[tuple[str, int]], int, int]] = deque()

    def write_oldest() -> None:
        nonlocal lines, bad
        future, count, size = pending.popleft()
        try:
            name, chunk_bad = future.result()
        except OSError as error:  # a worker could not write to the spool (a full disk, say)
            raise TriageError(
                f"cannot write the workers' answers in {spool}: {error.strerror or error}"
            ) from None
        spooled = Path(name)
        copy(spooled)
        spooled.unlink()
        lines, bad = lines + count, bad + chunk_bad
        if progress is not None:
            progress(size)

    try:
        spool = tempfile.mkdtemp(prefix="triage-batch-")
    except OSError as error:
        raise TriageError(
            f"cannot make a folder for the workers' answers in {tempfile.gettempdir()}: "
            f"{error.strerror or error}"
        ) from None
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=_pool_context(),
        initializer=_start_worker,
        initargs=(answerer.advisor.pack, answerer.fields, spool),
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
        shutil.rmtree(spool, ignore_errors=True)
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
