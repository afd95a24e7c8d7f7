"""Run a function of a test module in a child Python process, so a crash (a segfault in the C
engine, a hang) fails one test instead of taking the test run down with it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_isolated(module: str, function: str, *args: str, timeout: float = 120) -> Any:
    """Call `module.function(*args)` in a child process with this process's import path; return
    the JSON it prints last. Fails (AssertionError) if the child dies, hangs or exits non-zero."""
    code = f"import sys; sys.path[:0] = {sys.path!r}; import {module}; {module}.{function}(*sys.argv[1:])"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{module}.{function}{args} did not finish within {timeout} s") from None
    died = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
    assert done.returncode == 0, f"{module}.{function}{args} failed ({died})\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])
