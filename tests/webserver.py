"""A real `triage serve` (the installed console script) on a free loopback port, for the browser
and load tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.conftest import console_script

_LOGS: dict[int, Path] = {}


def server_log(process: subprocess.Popen[str]) -> str:
    """Everything a server of `running_server` has written on stderr (its log) so far."""
    return _LOGS[process.pid].read_text()


@contextlib.contextmanager
def running_server(
    *args: str, env: dict[str, str] | None = None, command: Sequence[str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start `triage serve --port 0` (or `command`, which prints the same first line), yield its
    base URL (read from its first line) and the process; stop it on the way out. `env` adds to
    this process's environment. Its log goes to a file (`server_log`): a pipe that nobody reads
    while it runs would fill up, and the server would wait on its next log line for ever."""
    with tempfile.TemporaryDirectory(prefix="triage-serve-") as folder:
        log = Path(folder) / "stderr.log"
        with log.open("w") as writer:
            process = subprocess.Popen(
                command or [console_script(), "serve", "--port", "0", *args],
                stdout=subprocess.PIPE,
                stderr=writer,
                text=True,
                cwd=Path("/"),
                env={**os.environ, **env} if env else None,
                start_new_session=True,  # a group of its own: a test may signal all its processes
            )
        _LOGS[process.pid] = log
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert "listening on http://" in first, f"triage serve did not start: {first!r}"
            url = first.split("listening on ")[1].split()[0].rstrip("/")
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            del _LOGS[process.pid]
