"""Running the app: one listening socket, N server processes, each with its pool of advice processes.

What keeps it up: the advice off the event loop (`_pool`); every connection timed out while it
waits on the client (no request, slow headers, slow body) and a cap on open connections, each
event one log line; every log line one line (no traceback, control characters escaped); SIGTERM,
SIGHUP and Ctrl-C finish the requests in flight, then exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import logging
import multiprocessing
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from triage._advisor import Advisor
from triage._errors import PackError, TriageError
from triage._pack import Pack
from triage.web._app import create_app, escaped
from triage.web._pool import STOP_SIGNALS, exit_with_parent, let_signals_through, signals_held, usable_cores

LOG = logging.getLogger("triage.web")


@dataclasses.dataclass(frozen=True)
class Limits:
    """How long the server waits on a client, and how many connections it holds open."""

    request_s: float = 10.0
    """From a connection's start (or its last answer) to a request's last header."""
    body_s: float = 30.0
    """From a request's headers to the last byte of its body."""
    keep_alive_s: int = 5
    """An idle connection after an answer is closed after this (quietly: browsers do it)."""
    connections: int = 512
    """Open connections per server process; past it a new one is closed at once."""
    shutdown_s: int = 30
    """On a stop signal, how long requests in flight may take to finish."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """What each server process needs: picklable, for the processes `--workers` starts."""

    pack: Pack
    root_path: str
    processes: int
    limits: Limits


class OneLine(logging.Formatter):
    """Time and message on one line; an exception is named, never traced."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message} ({type(record.exc_info[1]).__name__})"
        return f"{self.formatTime(record, self.datefmt)} {escaped(message)}"


def configure_logging() -> None:
    """Every log line of the process (ours, uvicorn's, asyncio's) on stderr, one line each; the
    access log at INFO, everything else from WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("triage.web.access").setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(logging.WARNING)


class Config(uvicorn.Config):
    """uvicorn's settings, and the limits the protocol reads."""

    def __init__(self, app: Any, limits: Limits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


class GuardedH11(H11Protocol):
    """HTTP/1.1 with a deadline whenever the server waits on the client, a cap on open
    connections, and TCP_NODELAY on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limits: Limits = self.config.limits  # type: ignore[attr-defined]
        self.limits = limits
        self.deadline: asyncio.TimerHandle | None = None
        self.waiting: str | None = None
        self.heard = False  # some of the request the server waits for has come
        self.answered = False  # the connection has had an answer (it is kept alive since)
        if len(self.connections) > limits.connections:
            LOG.warning("refused a connection: %d open, the most allowed", limits.connections)
            transport.abort()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Answers written in more than one piece would wait for the client's delayed ack.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.watch()

    def data_received(self, data: bytes) -> None:
        self.heard = True
        super().data_received(data)
        self.watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.heard = False
        self.answered = True
        self.watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def watch(self) -> None:
        """Arm the deadline of what the server now waits for from the client, if anything: a new
        connection's first request, a later request from its first byte on, a request's body.
        A connection idle after an answer is the keep-alive's to close (`--keep-alive`), so a
        proxy's idle connections are kept as long as that says, whatever `--request-timeout`."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            waiting: str | None = "body"
        elif state is h11.IDLE and (self.heard or not self.answered):
            waiting = "request"
        else:  # answering, or idle between requests
            waiting = None
        if waiting == self.waiting:
            return
        self.disarm()
        self.waiting = waiting
        if waiting is not None:
            seconds = self.limits.body_s if waiting == "body" else self.limits.request_s
            self.deadline = self.loop.call_later(seconds, self.expire, waiting, seconds)

    def expire(self, waiting: str, seconds: float) -> None:
        self.deadline = None
        if self.transport.is_closing():
            return
        if waiting == "body":
            what = "request body not complete"
        else:
            what = "request headers not complete" if self.heard else "no request"
        LOG.warning("closed a connection: %s within %g s", what, seconds)
        self.transport.abort()


class Server(uvicorn.Server):
    """uvicorn's server, stopped gracefully by SIGHUP as by SIGTERM and Ctrl-C, and then done:
    the signal is not raised again after the requests in flight have been answered."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {signum: signal.signal(signum, self.handle_exit) for signum in STOP_SIGNALS}
        let_signals_through()  # a server process of `supervise` starts with them held
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def run_server(sock: socket.socket, settings: Settings, advisor: Advisor | None = None) -> None:
    """One server process on the shared listening socket, until a stop signal."""
    configure_logging()
    app = create_app(advisor, pack=None if advisor else settings.pack, processes=settings.processes)
    config = Config(
        app,
        settings.limits,
        http=GuardedH11,
        log_config=None,
        access_log=False,  # uvicorn's would hold the client's address and the query: ours only
        server_header=False,
        root_path=settings.root_path,
        timeout_keep_alive=settings.limits.keep_alive_s,
        timeout_graceful_shutdown=settings.limits.shutdown_s,
    )
    Server(config).run(sockets=[sock])


def run_worker(sock: socket.socket, settings: Settings) -> None:
    """A server process that `supervise` started: it ends if `supervise` is gone."""
    exit_with_parent()
    run_server(sock, settings)


def supervise(sock: socket.socket, settings: Settings, workers: int) -> None:
    """`workers` server processes on one socket, each replaced if it dies; a stop signal is passed
    on to them, and their requests in flight finish."""
    spawn = multiprocessing.get_context("spawn")  # forking a process with threads is not safe
    stop: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.append(signum)

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=run_worker, args=(sock, settings), daemon=False)
        with signals_held():
            process.start()
        return process

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    processes = [start() for _ in range(workers)]
    try:
        while not stop:
            for n, process in enumerate(processes):
                if not process.is_alive() and not stop:
                    LOG.warning("a server process ended (exit %s): starting another", process.exitcode)
                    processes[n] = start()
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: each finishes its requests in flight
        for process in processes:
            process.join(settings.limits.shutdown_s + 5)
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket with TCP_NODELAY, which the connections it accepts inherit.

    Made with TCP's protocol number, so that asyncio sets TCP_NODELAY on each connection too (it
    does so only for sockets that say they are TCP; `socket.create_server` gives 0). Raises
    TriageError when it cannot listen.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except (OSError, OverflowError) as error:
        sock.close()
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a usable address"
        raise TriageError(f"cannot listen on {host} port {port}: {reason}", code="cannot_listen") from None
    return sock


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered to leave room under the process's limit of open files (raised to its
    hard limit first): past that limit the server could not even accept a connection to refuse it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - 64))


def check_pack(advisor: Advisor, pack_sha256: str | None) -> None:
    """Refuse (PackError) a pack other than the one pinned, or one that `assess` would refuse."""
    pack = advisor.pack
    if pack_sha256 is not None and pack.sha256 != pack_sha256.lower():
        raise PackError(
            f"its sha256 is {pack.sha256}, not the pinned {pack_sha256.lower()}", file=str(pack.path)
        )
    advisor.assess({})  # builds the analysis and runs the rules: what every answer needs


def serve(
    advisor: Advisor,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    root_path: str = "",
    pack_sha256: str | None = None,
    processes: int | None = None,
    limits: Limits | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the page and the API on host:port until stopped (port 0: any free port), in `workers`
    server processes, each computing advice in `processes` processes (default: the cores shared out).

    Refuses, before it listens, a pack whose sha256 is not `pack_sha256` (when given) or that
    `assess` would refuse (PackError), and a host and port it cannot listen on (TriageError).
    Says where it listens and that it stores nothing.
    """
    check_pack(advisor, pack_sha256)
    limits = limits or Limits()
    limits = dataclasses.replace(limits, connections=connection_cap(limits.connections))
    settings = Settings(
        pack=advisor.pack,
        root_path=root_path,
        processes=processes if processes is not None else max(1, usable_cores() // workers),
        limits=limits,
    )
    sock = listen(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if sock.family == socket.AF_INET6 else host
    pack = advisor.pack
    say(f"triage serve: listening on http://{shown}:{bound}{root_path}/ (rule pack {pack.id} {pack.version})")
    say("It stores nothing: answers are not kept, and the log holds method, path, status and time only.")
    if not is_loopback(host):
        say("Not loopback only: expose it only behind the council's proxy and sign-in (docs/deploy.md).")
    say("Stop it with Ctrl-C or SIGTERM: requests in flight are answered first.")
    with sock:
        if workers == 1:
            run_server(sock, settings, advisor)
        else:
            supervise(sock, settings, workers)
