"""The advice computed off the event loop, in a bounded pool of processes.

The Advisor's work holds Python's GIL (a heavy what-if takes a quarter of a second): done on the
event loop, or in a thread beside it, it keeps the server from answering anything else, a health
probe included. Each process of the pool builds its own Advisor from the pack (the pack pickles; an
Advisor, holding locks, does not), so the loop only moves answers in and JSON bytes out.

The loop talks to each process over a socket of its own, with the loop's own non-blocking socket
calls: no thread of the server's process takes part. (A `ProcessPoolExecutor` moves each task
and answer through two threads of its own, and every hand-over between them and the loop waits
for the GIL: measured under 50 clients, the loop's process spent 770 us of processor per request
against 210 us for a minimal app, most of it waiting for the GIL back after a socket call.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.resource_tracker
import multiprocessing.util
import os
import pickle
import selectors
import signal
import socket
import struct
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Stop signals held back in this thread while it starts a process. The process starts with
    them held (a thread's mask is inherited), so that a Ctrl-C in its first second, before it has
    handlers of its own, cannot end it with a traceback: it lets them through once it has them
    (`let_signals_through`). A signal that came meanwhile reaches this thread afterwards."""
    # Started first: starting it lets SIGINT and SIGTERM through again in this thread.
    multiprocessing.resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def let_signals_through() -> None:
    """In a process started under `signals_held`, once it handles (or ignores) them itself."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _start(pack: Pack) -> None:
    global _ADVISOR
    exit_with_parent()
    # A stop signal sent to every process at once (Ctrl-C in a terminal, systemd's default) is the
    # server's to handle: it answers the requests in flight, which need this process, then stops
    # the pool. (The process also ends if the server dies: its queue closes.)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    let_signals_through()
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


# One frame each way: a header (what it is, how long) and that many bytes. A request is the
# pickled (work, args); an answer the work's JSON bytes as they are, or its exception pickled.
_HEADER = struct.Struct("!BQ")
_REQUEST, _ANSWER, _FAILURE = 0, 1, 2


def _frame(kind: int, payload: bytes) -> bytes:
    return _HEADER.pack(kind, len(payload)) + payload


def _read_exactly(channel: socket.socket, size: int) -> bytes | None:
    """`size` bytes from a blocking socket, or None when it closes first."""
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        read = channel.recv_into(view[got:])
        if not read:
            return None
        got += read
    return bytes(buffer)


def _failure(error: Exception) -> bytes:
    """An exception of the work, pickled for the server, which raises it (one that does not pickle
    goes as a RuntimeError naming it)."""
    try:
        return pickle.dumps(error)
    except Exception:  # any failure to pickle it: its kind and text still reach the log
        return pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))


SLOTS = 2
"""Channels to each advice process, each with one piece of work at a time: while the server reads
one answer (when its turn on a busy processor comes), the process works on the work waiting on
another channel, instead of waiting for the server to send it more."""


def _serve(pack: Pack, channels: list[socket.socket]) -> None:
    """An advice process: answers the requests on its channels, one at a time, until they close."""
    _start(pack)
    with contextlib.ExitStack() as stack, selectors.DefaultSelector() as selector:
        for channel in channels:
            stack.enter_context(channel)
            selector.register(channel, selectors.EVENT_READ, channel)
        while selector.get_map():
            for key, _events in selector.select():
                channel = key.data
                # The server closing a channel (it stops, or gave up on this process) ends it
                # quietly; the process ends with its last channel.
                try:
                    answered = _answer_one(channel)
                except ConnectionError:
                    answered = False
                if not answered:
                    selector.unregister(channel)


def _answer_one(channel: socket.socket) -> bool:
    """Answers the next request on `channel`; False when it has closed."""
    header = _read_exactly(channel, _HEADER.size)
    if header is None:
        return False
    _kind, size = _HEADER.unpack(header)
    request = _read_exactly(channel, size)
    if request is None:
        return False
    # From the server that started this process, over a socket only the two hold.
    work, args = pickle.loads(request)  # noqa: S301 - the server's own request
    try:
        answer = _frame(_ANSWER, _run(work, args))
    except Exception as error:  # the work's exception, raised again in the server
        answer = _frame(_FAILURE, _failure(error))
    channel.sendall(answer)
    return True


class _Process:
    """One advice process and the server's ends of its channels."""

    def __init__(self, pack: Pack) -> None:
        pairs = [socket.socketpair() for _ in range(SLOTS)]
        context = multiprocessing.get_context("spawn")
        self.process: BaseProcess = context.Process(
            target=_serve, args=(pack, [theirs for _, theirs in pairs]), name="triage-advice", daemon=True
        )
        try:
            with signals_held():
                self.process.start()
        except BaseException:
            for ours, _ in pairs:
                ours.close()
            raise
        finally:
            for _, theirs in pairs:
                theirs.close()
        self.slots = [_Slot(self, ours) for ours, _ in pairs]
        self.busy = 0  # slots taken (the pool's lock guards it)
        self.lost = False

    def stop(self, wait: bool) -> None:
        """Close its channels: the process ends once it has answered the work it is doing."""
        for slot in self.slots:
            slot.channel.close()
        if wait:
            self.process.join()


class _Slot:
    """One channel to an advice process, for one piece of work at a time."""

    def __init__(self, process: _Process, channel: socket.socket) -> None:
        channel.setblocking(False)
        self.process, self.channel = process, channel

    async def ask(self, work: Work, args: tuple[Any, ...]) -> tuple[bool, bytes]:
        """Whether the work answered, and its answer's bytes (else its exception, pickled);
        BrokenProcessPool if the process ends first."""
        loop = asyncio.get_running_loop()
        try:
            await loop.sock_sendall(self.channel, _frame(_REQUEST, pickle.dumps((work, args))))
            kind, size = _HEADER.unpack(await self._read(loop, _HEADER.size))
            return kind == _ANSWER, await self._read(loop, size)
        except OSError as error:  # the socket broke: the process is gone
            raise BrokenProcessPool("an advice process ended") from error

    async def _read(self, loop: asyncio.AbstractEventLoop, size: int) -> bytes:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            read = await loop.sock_recv_into(self.channel, view[got:])
            if not read:
                raise BrokenProcessPool("an advice process ended")
            got += read
        return bytes(buffer)


class AdvicePool:
    """The Advisor's work for one app: in `processes` processes, or in one thread beside the event
    loop when `processes` is 0 (for a host that cannot start processes).

    Processes start as the first requests need them (or `ready`), with the `spawn` method: a
    forked copy of a server with threads running is not safe. Work goes to the least busy process
    (each has `SLOTS` channels, one piece of work on each); other work waits its turn, oldest
    first. Any event loop may use the pool (a test client runs one per request).
    """

    def __init__(self, advisor: Advisor, processes: int) -> None:
        if processes < 0:
            raise ValueError("processes: 0 or more")
        self.advisor = advisor
        self.processes = processes
        self._thread: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()  # what follows, used from any loop's thread
        self._every: set[_Process] = set()
        self._idle: list[_Slot] = []
        self._starts = 0  # processes started or starting, at most `processes`
        self._waiting: deque[asyncio.Future[_Slot]] = deque()
        self._closed = False
        self._ready = False
        self._probing: asyncio.Lock | None = None
        _pools.add(self)

    async def run(self, work: Work, *args: Any) -> bytes:
        """`work(advisor, *args)` off the event loop; its exception, if it raises one.

        If a pool process dies meanwhile (killed, out of memory, or a stop signal that reached it
        while it was starting), another takes its place and the work is done once more: it changes
        nothing, so doing it again is safe."""
        if self.processes == 0:
            return await self._in_thread(work, args)
        try:
            return await self._once(work, args)
        except BrokenProcessPool:
            logging.getLogger("triage.web").warning("an advice process ended: the pool starts again")
            return await self._once(work, args)

    async def _in_thread(self, work: Work, args: tuple[Any, ...]) -> bytes:
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="triage-advice")
            thread = self._thread
        return await asyncio.get_running_loop().run_in_executor(thread, work, self.advisor, *args)

    async def _once(self, work: Work, args: tuple[Any, ...]) -> bytes:
        slot = await self._take()
        try:
            answered, payload = await slot.ask(work, args)
        except BaseException:
            # Gone, or its answer left unread (this request cancelled): it can serve no other.
            self._lost(slot)
            raise
        self._give_back(slot)
        if not answered:
            raise pickle.loads(payload)  # noqa: S301 - the exception of our own advice process
        return payload

    async def _take(self) -> _Slot:
        """A free slot: of a new process while fewer than `processes` run, else the idle one of
        the least busy process, else the next one given back."""
        with self._lock:
            start = self._starts < self.processes
            if start:
                self._starts += 1
            elif self._idle:
                slot = min(self._idle, key=lambda idle: idle.process.busy)
                self._idle.remove(slot)
                slot.process.busy += 1
                return slot
            else:
                waiter: asyncio.Future[_Slot] = asyncio.get_running_loop().create_future()
                self._waiting.append(waiter)
        if start:
            return self._started()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._give_back(waiter.result())  # handed over just as it was cancelled
            raise

    def _started(self) -> _Slot:
        """A slot of a new process, in a place already counted in `_starts`; its other slots are
        offered to the work waiting, or kept idle."""
        try:
            process = _Process(self.advisor.pack)
        except BaseException:
            with self._lock:
                self._starts -= 1
            raise
        first, *others = process.slots
        with self._lock:
            self._every.add(process)
            process.busy = 1
            for slot in others:
                self._offer(slot)
        return first

    def _give_back(self, slot: _Slot) -> None:
        """The slot is free again."""
        with self._lock:
            slot.process.busy -= 1
            self._offer(slot)

    def _offer(self, slot: _Slot) -> None:
        """A free slot to the oldest work waiting (in that work's loop), else idle. Call with the
        lock held."""
        if self._closed or slot.process.lost:
            slot.channel.close()  # the process ends when its last channel closes
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if waiter.done():
                continue
            slot.process.busy += 1
            if waiter.get_loop() is _running_loop():
                waiter.set_result(slot)
            else:
                waiter.get_loop().call_soon_threadsafe(_hand_over, waiter, slot, self)
            return
        self._idle.append(slot)

    def _lost(self, slot: _Slot) -> None:
        """A slot that can serve no more, and so its process: closed, and its place given to a new
        process for the oldest work waiting, if any. The process's slots in use are closed as
        their work ends (an answer, or the end of a process that died): closing a socket the event
        loop waits on would leave that wait unanswered."""
        process = slot.process
        with self._lock:
            slot.channel.close()
            if process.lost:
                return
            process.lost = True
            self._every.discard(process)
            for idle in [idle for idle in self._idle if idle.process is process]:
                self._idle.remove(idle)
                idle.channel.close()
            waiter = next((w for w in self._waiting if not w.done()), None)
            if waiter is None:
                self._starts -= 1
            else:
                self._waiting.remove(waiter)
        if waiter is not None:
            waiter.get_loop().call_soon_threadsafe(_start_for, waiter, self)

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

    def shutdown(self, wait: bool = True) -> None:
        """Stop the processes (waiting for the work they are doing, with `wait`)."""
        with self._lock:
            self._closed = True
            every, self._every, self._idle = self._every, set(), []
            thread, self._thread = self._thread, None
        for process in every:
            process.stop(wait=False)
        if wait:
            for process in every:
                process.process.join()
        if thread is not None:
            thread.shutdown(wait=wait, cancel_futures=True)


_pools: weakref.WeakSet[AdvicePool] = weakref.WeakSet()


def _close_pools() -> None:
    """At exit, before multiprocessing ends and joins its children: their sockets closed, they
    end (they ignore the SIGTERM it sends)."""
    for pool in list(_pools):
        pool.shutdown(wait=False)


# multiprocessing's exit runs the finalizers of priority 0 or more before it joins the children.
multiprocessing.util.Finalize(None, _close_pools, exitpriority=10)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _hand_over(waiter: asyncio.Future[_Slot], slot: _Slot, pool: AdvicePool) -> None:
    """In the waiter's loop: the slot is its, unless it stopped waiting meanwhile."""
    if waiter.done():
        pool._give_back(slot)
    else:
        waiter.set_result(slot)


def _start_for(waiter: asyncio.Future[_Slot], pool: AdvicePool) -> None:
    """In the waiter's loop: a slot of a new process for it, in the place of one that was lost."""
    if waiter.done():
        with pool._lock:
            pool._starts -= 1
        return
    try:
        waiter.set_result(pool._started())
    except Exception as error:  # it could not start: the waiting work fails, as its own start would
        waiter.set_exception(error)
