"""`triage serve`'s processes: Ctrl-C to all of them stops everything quietly, and an advice process
killed mid-service is replaced. Each test waits on what it can see (the process tree in /proc, the
server's answers) with a deadline, never on a guessed sleep; each is bounded and cleans up."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlencode

import pytest
from blowup import pairs_pack

import triage
from tests.test_web_server import HEAVY, ask, stop
from tests.webserver import running_server, server_log

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree in /proc")

DEADLINE_S = 60.0
FORM = "application/x-www-form-urlencoded"
PAGES = 6


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


@contextlib.contextmanager
def in_flight(url: str, posts: Sequence[tuple[str, bytes | str, str]]) -> Iterator[list[int]]:
    """Each (path, body, content type) POSTed on a connection the server has already answered on,
    so that it is in flight once sent, however slowly this machine starts threads. Yields the
    statuses, appended as the answers come; on the way out waits for them all (bounded)."""
    host, port = url.removeprefix("http://").split(":")
    connections = [http.client.HTTPConnection(host, int(port), timeout=DEADLINE_S) for _ in posts]
    answered: list[int] = []

    def answer_on(connection: http.client.HTTPConnection) -> None:
        response = connection.getresponse()
        response.read()
        answered.append(response.status)

    try:
        for connection in connections:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        for connection, (path, body, content_type) in zip(connections, posts, strict=True):
            connection.request("POST", path, body, {"content-type": content_type})
        waiting = [threading.Thread(target=answer_on, args=(connection,)) for connection in connections]
        for thread in waiting:
            thread.start()
        yield answered
        for thread in waiting:
            thread.join(DEADLINE_S)
    finally:
        for connection in connections:
            connection.close()


def ctrl_c(process: subprocess.Popen[str]) -> str:
    """Ctrl-C as a terminal sends it, to every process of the server; its log once every one of
    them is gone (each killed if it is not, within the deadline)."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=DEADLINE_S)
        wait_for(lambda: in_session(process.pid) == [], "every process of the server gone", 15)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return server_log(process)


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
        finally:
            err = ctrl_c(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "a server process ended" not in err, err


@pytest.mark.parametrize("after_s", [0.0, 0.3, 0.6])
def test_ctrl_c_while_the_processes_start_stops_them_all_quietly(after_s: float) -> None:
    with running_server("--workers", "2") as (_url, process):
        try:
            time.sleep(after_s)  # while the server processes, then their advice processes, start
        finally:
            err = ctrl_c(process)
    # 130 ("triage: interrupted"): Ctrl-C came before the first process handled it itself.
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_an_advice_process_killed_mid_service_is_replaced_and_the_requests_answered() -> None:
    with running_server() as (url, process):
        try:
            wait_for(lambda: bool(started_advice_processes(process.pid)), "the advice processes started")
            assert ask(url, "/readyz")[0] == 200
            before = children(process.pid)
            alternatives = [("/v1/alternatives", HEAVY, "application/json")] * 4
            with in_flight(url, alternatives) as answered:
                os.kill(before[0], signal.SIGKILL)
            assert answered == [200] * 4, "a request in flight on the killed process was lost"
            # As many at once as before: every place of the pool in use, the killed one's taken anew.
            with in_flight(url, alternatives) as again:
                pass
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


def slowest_pack(folder: Path) -> Path:
    """The default pack with as many extra pairs of facts (at most 12) as its analysis takes within
    its bound: each pair doubles the work of a page, and how many fit depends on the pack."""
    for pairs in range(12, 0, -1):
        pack = folder / f"pack-{pairs}"
        shutil.copytree(triage.default_pack_path(), pack)
        pairs_pack(pack, pairs)
        try:
            triage.Advisor(pack).assess({})  # builds the analysis, which refuses a pack past the bound
        except triage.PackError:
            continue
        return pack
    raise AssertionError("the default pack takes no extra pair of facts")


def test_health_is_answered_while_pages_are_being_made(tmp_path: Path) -> None:
    # A pack whose interview is slow to replay (each page ~0.3 s or more): the page's own work, the
    # interview going back a page with every question answered, here in seconds for a few pages.
    pack = slowest_pack(tmp_path)
    facts = triage.load_pack(pack).facts
    chooser = random.Random(19)
    forms = [
        urlencode(
            [("answered", f"{fact.id}={chooser.choice(fact.answers)}") for fact in facts] + [("back", "")]
        )
        for _ in range(PAGES)
    ]
    with running_server("--rules", str(pack)) as (url, process):
        assert ask(url, "/readyz")[0] == 200
        with in_flight(url, [("/question", form, FORM) for form in forms]) as answered:
            assert ask(url, "/healthz") == (200, b'{"status":"ok"}')
            still = PAGES - len(answered)
        code, err = stop(process)
    assert still >= PAGES // 2, "the health probe waited for the pages"
    assert answered == [200] * PAGES
    assert code == 0
    assert "Traceback" not in err
