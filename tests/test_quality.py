"""The small things kept out of review: types (mypy strict), lint and format (ruff), the typed and
documented public face, and `python -m triage`."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

import triage

RCD = [
    "complex=yes",
    "multiagency=yes",
    "reflection_sought=yes",
    "immediate_danger=no",
    "unreported_harm_concern=no",
]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """A tool of this interpreter's environment (`python -m ...`) run in the repository root."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (("mypy",), "fix the type errors above (config: [tool.mypy] in pyproject.toml)"),
        (("ruff", "check", "."), "fix them, or try: python -m ruff check --fix ."),
        (("ruff", "format", "--check", "."), "run: python -m ruff format ."),
    ],
    ids=["mypy", "ruff-check", "ruff-format"],
)
def test_code_passes_the_checkers(args: tuple[str, ...], fix: str) -> None:
    result = run_tool(*args)
    assert result.returncode == 0, f"{' '.join(args)} failed; {fix}\n{result.stdout}{result.stderr}"


def public_names() -> list[str]:
    # __version__ is a plain string and cannot carry a docstring.
    return [name for name in triage.__all__ if name != "__version__"]


@pytest.mark.parametrize("name", public_names())
def test_every_public_name_has_a_docstring_with_an_example(name: str) -> None:
    doc = inspect.getdoc(getattr(triage, name)) or ""
    assert doc.strip(), f"triage.{name} has no docstring"
    assert ">>>" in doc, f"triage.{name}: add a short example (a doctest, run by pytest) to its docstring"


def test_all_lists_only_names_the_package_has() -> None:
    assert sorted(triage.__all__) == sorted(set(triage.__all__))
    for name in triage.__all__:
        assert hasattr(triage, name), name


def installed_package() -> Path:
    """The folder of the triage package installed in this environment (not the source tree)."""
    code = "import pathlib, triage; print(pathlib.Path(triage.__file__).parent)"
    found = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def test_the_installed_package_is_marked_typed() -> None:
    package = installed_package()
    assert package != ROOT / "triage", "triage is not installed (pip install .)"
    assert (package / "py.typed").is_file(), "the wheel does not ship triage/py.typed"


def test_python_m_triage_is_the_console_script() -> None:
    flags = [arg for fact in RCD for arg in ("--fact", fact)]
    module = subprocess.run(
        [sys.executable, "-m", "triage", "assess", *flags, "--json"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    script = run_cli("assess", *flags, "--json")
    assert module.returncode == script.returncode == 0, module.stderr
    as_module, as_script = json.loads(module.stdout), json.loads(script.stdout)
    for data in (as_module, as_script):
        del data["audit"]["timestamp"]
    assert as_module == as_script
    assert as_module["primary_route"] == "reflective_case_discussion"

    usage = subprocess.run(
        [sys.executable, "-m", "triage", "assess", "--fact", "complx=yes"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert usage.returncode == 2
    assert usage.stderr.startswith("triage: error: unknown fact 'complx'")
