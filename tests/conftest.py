from __future__ import annotations

import functools
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import triage

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "rules" / "moray" / "scenarios" / "shared-scenarios.json"
TOY = ROOT / "tests" / "packs" / "toy"
"""The small pack the mechanism tests run on."""


@functools.cache
def default_pack() -> triage.Pack:
    """The default pack, loaded once: tests that show its words read them from it, so that a
    change of wording in the pack fails only the pack's own tests (in tests/moray/)."""
    return triage.load_pack(triage.default_pack_path())


def flat(text: str) -> str:
    """Text on one line, however it was wrapped."""
    return " ".join(text.split())


def route_title(route: str) -> str:
    """A route's title in the default pack, on one line."""
    return flat(default_pack().route[route].title)


def question_text(fact: str) -> str:
    """A fact's question in the default pack, on one line."""
    return flat(default_pack().fact[fact].question)


def load_scenarios() -> list[dict[str, Any]]:
    return json.loads(SCENARIOS.read_text())


@pytest.fixture(scope="session", autouse=True)
def _pack_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The command lines the tests run cache packs in a folder of the session, not the user's."""
    os.environ["TRIAGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("pack-cache"))


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A copy of the toy pack that a test may edit."""
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    return folder


@pytest.fixture(scope="session")
def advisor() -> triage.Advisor:
    return triage.Advisor()


def console_script() -> str:
    """The installed `triage` console script of this interpreter's environment."""
    found = shutil.which("triage", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the triage console script is not installed beside this Python (pip install .)")
    return found


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, from a folder outside the source tree by default (`env`
    adds to this process's environment)."""
    return subprocess.run(
        [console_script(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or Path("/"),
        env={**os.environ, **env} if env else None,
        timeout=60,
    )


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first `old` in a pack file with `new` (the test fails if `old` is not there)."""
    path = folder / name
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def in_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run the console script with stderr on a pseudo-terminal: its exit code, stdout, and what
    the terminal showed."""
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run(
            [console_script(), *args], stderr=secondary, stdout=subprocess.PIPE, timeout=60, check=False
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    return process.returncode, process.stdout.decode(), seen.decode()


# Files for the type checkers (tests/test_typing.py), not for pytest: one fails on purpose.
collect_ignore = ["typing"]
