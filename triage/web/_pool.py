"""The advice computed off the event loop, in a bounded pool of processes.

The Advisor's work holds Python's GIL (a heavy what-if takes a quarter of a second): done on the
event loop, or in a thread beside it, it keeps the server from answering anything else, a health
probe included. Each process of the pool builds its own Advisor from the pack (the pack pickles; an
Advisor, holding locks, does not), so the loop only moves answers in and JSON bytes out.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from triage._advisor import Advisor
from triage._errors import TriageError
from triage._pack import Pack

Work = Callable[..., bytes]
"""A module-level function (it travels to the pool by name): the Advisor and arguments in, the
answer's JSON bytes out."""

_ADVISOR: Advisor | None = None
"""The Advisor of this pool process (set once, when the process starts)."""


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def exit_with_parent() -> None:
    """End this process as soon as the process that started it is gone (killed, crashed): an
    orphan would hold its memory, and the pipes of whoever waits for the server's output."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="triage-parent-watch", daemon=True).start()


def _start(pack: Pack) -> None:
    global _ADVISOR
    exit_with_parent()
    # A stop signal sent to every process at once (Ctrl-C in a terminal, systemd's default) is the
    # server's to handle: it answers the requests in flight, which need this process, then stops
    # the pool. (The process also ends if the server dies: its queue closes.)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    # The event loop's process answers probes and moves bytes; this one thinks. When the cores are
    # busy, the scheduler lets the loop go first.
    os.nice(5)
    _ADVISOR = Advisor(pack)


def _probe(advisor: Advisor) -> bytes:
    """The empty case assessed: the pack's analysis built and its rules run (what `/readyz` waits
    for)."""
    advisor.assess({})
    return b""


def _run(work: Work, args: tuple[Any, ...]) -> bytes:
    if _ADVISOR is None:
        raise RuntimeError("the pool process has no advisor")
    return work(_ADVISOR, *args)


class AdvicePool:
    """The Advisor's work for one app: in `processes` processes, or in one thread beside the event
    loop when `processes` is 0 (for a host that cannot start processes).

    Processes start on the first request (or `warm`), with the `spawn` method: a forked copy of a
    server with threads running is not safe.
    """

    def __init__(self, advisor: Advisor, processes: int) -> None:
        if processes < 0:
            raise ValueError("processes: 0 or more")
        self.advisor = advisor
        self.processes = processes
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._ready = False
        self._probing: asyncio.Lock | None = None

    def executor(self) -> Executor:
        with self._lock:
            if self._executor is None:
                self._executor = (
                    ThreadPoolExecutor(1, thread_name_prefix="triage-advice")
                    if self.processes == 0
                    else ProcessPoolExecutor(
                        self.processes,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_start,
                        initargs=(self.advisor.pack,),
                    )
                )
            return self._executor

    async def run(self, work: Work, *args: Any) -> bytes:
        """`work(advisor, *args)` off the event loop; its exception, if it raises one.

        If a pool process dies meanwhile (killed, out of memory, or a stop signal that reached it
        while it was starting), the pool is replaced and the work done once more: it changes
        nothing, so doing it again is safe."""
        try:
            return await self._once(work, args)
        except BrokenProcessPool:
            logging.getLogger("triage.web").warning("an advice process ended: the pool starts again")
            return await self._once(work, args)

    async def _once(self, work: Work, args: tuple[Any, ...]) -> bytes:
        loop = asyncio.get_running_loop()
        executor = self.executor()
        if isinstance(executor, ThreadPoolExecutor):
            return await loop.run_in_executor(executor, work, self.advisor, *args)
        try:
            return await loop.run_in_executor(executor, _run, work, args)
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = None
                    self._ready = False
            executor.shutdown(wait=False, cancel_futures=True)
            raise

    async def ready(self) -> bool:
        """Whether every process of the pool has answered a case with this pack (it tries once now
        if it has not)."""
        if self._ready:
            return True
        if self._probing is None:
            self._probing = asyncio.Lock()
        async with self._probing:  # one probe at a time: the others wait for its outcome
            if not self._ready:
                try:
                    # One probe per process, at once: each starts its process, so all are
                    # started (and past the moment a stop signal could end one) when ready.
                    await asyncio.gather(*(self.run(_probe) for _ in range(max(1, self.processes))))
                    self._ready = True
                except Exception as error:  # any failure means not ready, said in one line
                    said = str(error) if isinstance(error, TriageError) else type(error).__name__
                    logging.getLogger("triage.web").error("not ready: %s", said)
        return self._ready

    def shutdown(self) -> None:
        """Stop the processes (waiting for the work they are doing)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
