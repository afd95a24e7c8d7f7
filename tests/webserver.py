"""A real `triage serve` (the installed console script) on a free loopback port, for the browser
and load tests."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import console_script


@contextlib.contextmanager
def running_server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start `triage serve --port 0`, yield its base URL (read from its first line) and the process;
    stop it on the way out."""
    process = subprocess.Popen(
        [console_script(), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path("/"),
    )
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
