"""`triage serve`'s processes: Ctrl-C to all of them stops everything quietly, and an advice process
killed mid-service is replaced. Each test waits on what it can see (the process tree in /proc, the
server's answers) with a deadline, never on a guessed sleep; each is bounded and cleans up."""

from __future__ import annotations

import http.client
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_web_server import HEAVY, ask, stop
from tests.webserver import running_server

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree in /proc")

DEADLINE_S = 60.0


def wait_for(condition: Callable[[], bool], what: str, seconds: float = DEADLINE_S) -> None:
    """Poll `condition` every tenth of a second until it holds; fail naming `what` at the deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:g} s: {what}")
        time.sleep(0.1)


def status(pid: int) -> dict[str, str]:
    """The fields of /proc/PID/status ({} once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def children(pid: int) -> list[int]:
    """The processes `pid` started and that still run, multiprocessing's resource tracker left out."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
        return [
            child
            for child in found
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
            and status(child).get("State", "Z").strip()[0] != "Z"
        ]
    except (FileNotFoundError, ProcessLookupError):
        return []


def ignores_stop_signals(pid: int) -> bool:
    """Whether the process ignores SIGINT: what an advice process does once it has started (the
    server it belongs to stops it, after the requests in flight)."""
    ignored = status(pid).get("SigIgn")
    return ignored is not None and bool(int(ignored, 16) >> (signal.SIGINT - 1) & 1)


def in_session(session: int) -> list[int]:
    """The live processes of a session (a server started with a session of its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z" and int(fields[3]) == session:  # state, ..., session id
            found.append(int(entry.name))
    return found


def started_advice_processes(server: int) -> list[int]:
    """The advice processes under a server process, once every one of them has started."""
    pool = children(server)
    return pool if pool and all(ignores_stop_signals(pid) for pid in pool) else []


def test_ctrl_c_to_every_process_of_two_workers_stops_them_all_quietly() -> None:
    with running_server("--workers", "2") as (url, process):
        try:
            # Every process up: two server processes, each with its advice processes started (a
            # server starts its pool once it handles stop signals itself).
            wait_for(
                lambda: (
                    len(children(process.pid)) == 2
                    and all(started_advice_processes(worker) for worker in children(process.pid))
                ),
                "two server processes, each with its advice processes",
            )
            assert ask(url, "/healthz")[0] == 200
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
            _out, err = process.communicate(timeout=DEADLINE_S)
            wait_for(lambda: in_session(process.pid) == [], "every process of the server gone", 15)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "a server process ended" not in err, err


def test_an_advice_process_killed_mid_service_is_replaced_and_the_requests_answered() -> None:
    with running_server() as (url, process):
        try:
            wait_for(lambda: bool(started_advice_processes(process.pid)), "the advice processes started")
            assert ask(url, "/readyz")[0] == 200
            before = children(process.pid)
            host, port = url.removeprefix("http://").split(":")
            # Connections already answered on: a request sent on them is in flight once sent.
            connections = [http.client.HTTPConnection(host, int(port), timeout=DEADLINE_S) for _ in range(4)]
            for connection in connections:
                connection.request("GET", "/healthz")
                connection.getresponse().read()
            answered: list[int] = []

            def answer_on(connection: http.client.HTTPConnection) -> None:
                response = connection.getresponse()
                response.read()
                answered.append(response.status)

            for connection in connections:
                connection.request("POST", "/v1/alternatives", HEAVY, {"content-type": "application/json"})
            waiting = [threading.Thread(target=answer_on, args=(c,)) for c in connections]
            for thread in waiting:
                thread.start()
            os.kill(before[0], signal.SIGKILL)
            for thread in waiting:
                thread.join(DEADLINE_S)
            for connection in connections:
                connection.close()
            assert answered == [200] * 4, "a request in flight on the killed process was lost"
            # As many at once as before: every place of the pool in use, the killed one's taken anew.
            again: list[int] = []
            more = [
                threading.Thread(target=lambda: again.append(ask(url, "/v1/alternatives", HEAVY)[0]))
                for _ in range(4)
            ]
            for thread in more:
                thread.start()
            for thread in more:
                thread.join(DEADLINE_S)
            assert again == [200] * 4
            wait_for(
                lambda: (
                    before[0] not in children(process.pid)
                    and len(started_advice_processes(process.pid)) == len(before)
                ),
                "a new advice process in place of the killed one",
            )
            code, err = stop(process)
            wait_for(lambda: in_session(process.pid) == [], "every process of the server gone", 15)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert code == 0, err
    assert "an advice process ended: the pool starts again" in err
    assert "Traceback" not in err, err
