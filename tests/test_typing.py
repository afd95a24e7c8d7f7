"""Typed for consumers: a small consumer of the public face passes mypy --strict and pyright
strict, and a misspelt name (`from triage import Interveiw`) fails both: the lazy imports of
`triage/__init__.py` stay invisible to type checkers. An interview's answers are typed too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

FILES = ROOT / "tests" / "typing"


def checked_copy(folder: Path, name: str) -> Path:
    """The consumer file in a folder of its own, with a pyright config in strict mode that finds
    triage in this checkout (as an installed, typed package would be found)."""
    shutil.copy(FILES / name, folder / name)
    config = {"typeCheckingMode": "strict", "extraPaths": [str(ROOT)], "pythonVersion": "3.11"}
    (folder / "pyrightconfig.json").write_text(json.dumps(config))
    return folder / name


def mypy(path: Path) -> subprocess.CompletedProcess[str]:
    # triage from this checkout; its own modules are checked by test_quality, not reported here.
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental", path.name],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def pyright(path: Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("pyright is not installed beside this Python (pip install '.[test]')")
    return subprocess.run(
        [found, "--pythonpath", sys.executable, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("checker", [mypy, pyright], ids=["mypy", "pyright"])
def test_a_typed_consumer_passes_strict_type_checking(checker: object, tmp_path: Path) -> None:
    result = checker(checked_copy(tmp_path, "consumer.py"))  # type: ignore[operator]
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("checker", [mypy, pyright], ids=["mypy", "pyright"])
def test_a_misspelt_public_name_fails_type_checking(checker: object, tmp_path: Path) -> None:
    result = checker(checked_copy(tmp_path, "misspelt.py"))  # type: ignore[operator]
    assert result.returncode != 0
    assert "Interveiw" in result.stdout and "Recomendation" in result.stdout, result.stdout


@pytest.mark.parametrize("checker", [mypy, pyright], ids=["mypy", "pyright"])
def test_answers_of_the_wrong_kind_to_an_interview_fail_type_checking(
    checker: object, tmp_path: Path
) -> None:
    result = checker(checked_copy(tmp_path, "mistyped.py"))  # type: ignore[operator]
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if "mistyped.py:" in line and "error" in line]
    assert {line.split("mistyped.py:")[1].split(":")[0] for line in lines} == {"8", "9"}, result.stdout
