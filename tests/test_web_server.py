"""`triage serve` as a council's servers run it: a real server on loopback (the console script, or
the library's `serve` where a test needs short timeouts), every wait bounded."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from blowup import pairs_pack

import triage
from tests.conftest import ROOT, console_script, run_cli
from tests.webserver import running_server, server_log
from triage.web._serve import listen

TOY = ROOT / "tests" / "packs" / "toy"
HEAVY = json.dumps({"answers": {}, "max_changes": 3}).encode()


def ask(url: str, path: str, body: bytes | None = None, timeout: float = 60) -> tuple[int, bytes]:
    """Status and body of a GET (or a POST of JSON, when there is a body)."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url + path, data=body, headers={"content-type": "application/json"} if body else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def stop(process: Any, signum: int = signal.SIGTERM, *, group: bool = False) -> tuple[int, str]:
    """Send `signum` (to every process of the server when `group`, as a terminal's Ctrl-C or
    systemd does); the exit code and everything it wrote on stderr."""
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    process.communicate(timeout=60)
    return process.returncode, server_log(process)


def test_health_is_answered_while_heavy_advice_is_in_flight() -> None:
    with running_server() as (url, process):
        assert ask(url, "/readyz")[0] == 200
        answered: list[int] = []
        heavy = [
            threading.Thread(target=lambda: answered.append(ask(url, "/v1/alternatives", HEAVY)[0]))
            for _ in range(30)
        ]
        for thread in heavy:
            thread.start()
        time.sleep(0.5)  # all 30 sent: each takes the pool a tenth of a second or more
        assert ask(url, "/healthz") == (200, b'{"status":"ok"}')
        in_flight = 30 - len(answered)
        for thread in heavy:
            thread.join(120)
        code, err = stop(process)
    assert in_flight >= 15, "the health probe waited for the advice"
    assert answered == [200] * 30
    assert code == 0
    assert "Traceback" not in err


def test_readyz_is_ready_once_the_pack_has_answered_a_case() -> None:
    with running_server() as (url, _process):
        assert ask(url, "/readyz") == (200, b'{"status":"ready"}')
        assert ask(url, "/healthz")[0] == 200


def test_serve_refuses_a_pack_that_assess_refuses(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    import shutil

    shutil.copytree(triage.default_pack_path(), pack)
    pairs_pack(pack)
    result = run_cli("serve", "--port", "0", "--rules", str(pack))
    assert result.returncode == 3, result.stderr
    assert "decision-diagram nodes" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "listening" not in result.stdout


def test_serve_refuses_a_pack_other_than_the_pinned_one() -> None:
    wrong = "0" * 64
    result = run_cli("serve", "--port", "0", env={"TRIAGE_PACK_SHA256": wrong})
    assert result.returncode == 3, result.stderr
    assert f"not the pinned {wrong}" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    result = run_cli("serve", "--port", "0", "--pack-sha256", "not-a-hash")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


def test_every_setting_comes_from_the_environment_too() -> None:
    pinned = triage.load_pack(TOY).sha256
    env = {
        "TRIAGE_RULES": str(TOY),
        "TRIAGE_PACK_SHA256": pinned,
        "TRIAGE_HOST": "127.0.0.1",
        "TRIAGE_PORT": "0",
        "TRIAGE_WORKERS": "2",
        "TRIAGE_ROOT_PATH": "/triage",
    }
    with running_server(env=env, command=[console_script(), "serve"]) as (url, process):
        assert url.endswith("/triage")
        base = url.removesuffix("/triage")  # the proxy in front takes the root path off
        status, body = ask(base, "/v1/version")
        assert status == 200
        assert json.loads(body)["pack_sha256"] == pinned
        code, _err = stop(process)
    assert code == 0


def test_two_workers_keep_the_private_access_log_and_stop_gracefully() -> None:
    with running_server("--workers", "2") as (url, process):
        for _ in range(6):
            assert ask(url, "/readyz")[0] == 200
        assert ask(url, "/v1/assess?who=someone", b'{"answers": {"complex": "yes"}}')[0] == 200
        code, err = stop(process)
    assert code == 0
    assert len(re.findall(r"GET /readyz 200 \d+\.\dms", err)) == 6
    assert re.search(r"POST /v1/assess 200 \d+\.\dms", err)
    assert "127.0.0.1" not in err
    assert "someone" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGHUP, False), (signal.SIGTERM, False), (signal.SIGTERM, True)],
)
def test_a_stop_signal_lets_the_request_in_flight_finish(signum: int, group: bool) -> None:
    with running_server() as (url, process):
        assert ask(url, "/readyz")[0] == 200
        host, port = url.removeprefix("http://").split(":")
        # Connections the server has already answered on: a request sent on them is in flight
        # once sent, however slowly this machine starts the threads.
        connections = [http.client.HTTPConnection(host, int(port), timeout=120) for _ in range(4)]
        for connection in connections:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        answered: list[tuple[int, bytes]] = []

        def heavy_on(connection: http.client.HTTPConnection) -> None:
            response = connection.getresponse()
            answered.append((response.status, response.read()))

        for connection in connections:
            connection.request("POST", "/v1/alternatives", HEAVY, {"content-type": "application/json"})
        heavy = [threading.Thread(target=heavy_on, args=(connection,)) for connection in connections]
        for thread in heavy:
            thread.start()
        time.sleep(0.5)
        code, err = stop(process, signum, group=group)
        for thread in heavy:
            thread.join(60)
        for connection in connections:
            connection.close()
    assert [status for status, _ in answered] == [200] * 4
    assert all(json.loads(body)["primary_route"] for _, body in answered)
    assert code == 0
    assert "Traceback" not in err
    assert not re.search(r" 500 \d", err)  # no request answered 500 (a time may read 500.1ms)


def test_slow_and_idle_connections_are_closed_and_the_cap_holds() -> None:
    limits = ("--request-timeout", "0.5")
    env = {"TRIAGE_BODY_TIMEOUT": "0.5", "TRIAGE_MAX_CONNECTIONS": "3"}  # from the environment too
    with running_server(*limits, env=env) as (url, process):
        host, port = url.removeprefix("http://").split(":")

        def closed_by_server(sent: bytes) -> bool:
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(sent)
                try:
                    return sock.recv(1024) == b""
                except ConnectionResetError:
                    return True

        assert closed_by_server(b"")
        assert closed_by_server(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert closed_by_server(b"POST /v1/assess HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
        try:
            time.sleep(0.1)
            assert closed_by_server(b"")  # the fourth
        finally:
            for sock in held:
                sock.close()
        assert ask(url, "/healthz")[0] == 200
        code, err = stop(process)
    assert code == 0
    assert "closed a connection: no request within 0.5 s" in err
    assert "closed a connection: request headers not complete within 0.5 s" in err
    assert "closed a connection: request body not complete within 0.5 s" in err
    assert "refused a connection: 3 open, the most allowed" in err
    assert "Traceback" not in err


def test_an_idle_connection_is_closed_quietly_after_the_keep_alive() -> None:
    with running_server("--keep-alive", "1") as (url, process):
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b'{"status":"ok"}'):
                answer += sock.recv(4096) or pytest.fail(f"closed before the answer: {answer!r}")
            idle = time.monotonic()
            assert sock.recv(1024) == b""  # closed by the server (the default would wait 5 s)
            waited = time.monotonic() - idle
        code, err = stop(process)
    assert answer.startswith(b"HTTP/1.1 200")
    assert 0.5 < waited < 4.5
    assert code == 0
    assert "closed a connection" not in err  # browsers and proxies close idle ones too: no event


def test_a_kept_alive_connection_waits_the_keep_alive_not_the_request_timeout() -> None:
    """A proxy keeps its idle connections open as long as `--keep-alive` says, even past
    `--request-timeout` (it closed them at the request timeout, so a proxy whose idle timeout
    was between the two sent requests on connections triage was closing); a later request that
    stalls is still closed at the request timeout, counted from its first byte."""
    healthz = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    def answered(sock: socket.socket) -> bytes:
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += sock.recv(4096) or pytest.fail(f"closed before the answer: {answer!r}")
        return answer

    with running_server("--request-timeout", "0.5", "--keep-alive", "3") as (url, process):
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(healthz)
            first = answered(sock)
            time.sleep(1.2)  # idle past the request timeout, within the keep-alive
            sock.sendall(healthz)
            second = answered(sock)
            time.sleep(1.2)
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # then nothing more
            started = time.monotonic()
            assert sock.recv(1024) == b""
            stalled = time.monotonic() - started
        code, err = stop(process)
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200")
    assert 0.3 < stalled < 1.5
    assert code == 0
    assert "closed a connection: request headers not complete within 0.5 s" in err
    assert "closed a connection: no request" not in err


def test_log_lines_cannot_be_forged_and_a_hang_up_is_one_line() -> None:
    with running_server() as (url, process):
        host, port = url.removeprefix("http://").split(":")
        assert ask(url, "/x%0A2026-01-01T00:00:00+0000%20GET%20/%20200")[0] == 404
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"POST /v1/assess HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(0.2)
        time.sleep(0.2)
        assert ask(url, "/healthz")[0] == 200
        code, err = stop(process)
    assert code == 0
    lines = err.splitlines()
    assert any(
        re.fullmatch(r"\S+ GET /x%0A2026-01-01T00:00:00\+0000%20GET%20/%20200 404 \S+", line)
        for line in lines
    )
    assert not any(line.startswith("2026-01-01") for line in lines)
    assert any(re.fullmatch(r"\S+ POST /v1/assess 400 \S+", line) for line in lines), err
    assert "Traceback" not in err


def test_the_listening_socket_and_its_connections_have_tcp_nodelay() -> None:
    with listen("127.0.0.1", 0) as server:
        assert server.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only on these
        assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        with socket.create_connection(server.getsockname(), timeout=5):
            accepted, _ = server.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
