"""The small things kept out of review: types (mypy strict), lint and format (ruff), the typed and
documented public face, and `python -m triage`."""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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
    # __version__ is a plain string and the type aliases are typing objects: neither can carry a
    # docstring (docs/integration.md, "Using it from Python", documents the aliases).
    return [name for name in triage.__all__ if name not in ("__version__", "Answer", "Answers")]


@pytest.mark.parametrize("name", public_names())
def test_every_public_name_has_a_docstring_with_an_example(name: str) -> None:
    doc = inspect.getdoc(getattr(triage, name)) or ""
    assert doc.strip(), f"triage.{name} has no docstring"
    assert ">>>" in doc, f"triage.{name}: add a short example (a doctest, run by pytest) to its docstring"


def test_all_lists_only_names_the_package_has() -> None:
    assert sorted(triage.__all__) == sorted(set(triage.__all__))
    for name in triage.__all__:
        assert hasattr(triage, name), name


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


DOCS = (ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")))
"""The documents for people: the README, the guides it points to, the contributors' guide."""


def readme() -> str:
    return (ROOT / "README.md").read_text()


def doc_section(heading: str) -> str:
    """The text from the first document holding a `## heading` to its next `## ` heading (a
    section is followed wherever it moves among the documents)."""
    for path in DOCS:
        found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", path.read_text(), re.M | re.S)
        if found:
            return found.group(1)
    raise AssertionError(f"no document has a section '## {heading}'")


def test_readme_python_example_runs(tmp_path: Path) -> None:
    code = re.search(r"^```python\n(.*?)^```$", doc_section("Using it from Python"), re.MULTILINE | re.DOTALL)
    assert code is not None
    result = subprocess.run(
        [sys.executable, "-c", code.group(1)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("reflective_case_discussion recommended True\n")


def regenerate_tool() -> ModuleType:
    """tools/regenerate.py, which rewrites the documents' outputs: the check below reads the
    documents as it does."""
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "tools" / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = regenerate_tool()


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_documents_show_real_output(path: Path, tmp_path: Path) -> None:
    # The documents' examples are what the installed console script prints, so they stay true.
    (tmp_path / "case.json").write_text(TOOL.example_case())
    for command, shown in TOOL.doc_sessions(path.read_text()):
        args, lines = TOOL.session_command(command, shown)
        if shown[-1] == "...":
            shown = shown[:-1]
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert TOOL.comparable(result.stdout.splitlines()[:lines]) == TOOL.comparable(shown), (
            f"{path.name} shows an old output of `{command}`: run `python tools/regenerate.py` (or paste the "
            "real one, run from a folder holding the example case.json)"
        )


def test_the_real_output_examples_cover_the_readme_and_the_guides() -> None:
    sessions = {path.name: len(TOOL.doc_sessions(path.read_text())) for path in DOCS}
    assert sessions["README.md"] >= 2
    assert sessions["commands.md"] >= 1
    assert sessions["integration.md"] >= 1
    assert sum(sessions.values()) >= 4


def test_the_readme_is_for_people_and_short() -> None:
    lines = readme().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move detail into docs/ (at most 250)"
    for heading in ("## What it is for", "## Set up", "## Your first assessment", "## The web page"):
        assert any(line.startswith(heading) for line in lines), heading
    assert "docs/screenshots/answer-reflective-case-discussion.png" in readme()


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```$", "", path.read_text(), flags=re.M | re.S)  # headings, not code
    return {github_anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.*)$", text, re.M)}


LINKED = (*DOCS, ROOT / "benchmarks" / "README.md")


@pytest.mark.parametrize("path", LINKED, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    text = re.sub(r"^```.*?^```$", "", path.read_text(), flags=re.M | re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: broken links {broken}"


def test_the_link_check_sees_a_broken_anchor(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\n## Exit codes\n")
    assert anchors(tmp_path / "a.md") == {"title", "exit-codes"}
    assert github_anchor("The web page and the HTTP API (`triage serve`)") == (
        "the-web-page-and-the-http-api-triage-serve"
    )


SOAK = {
    "test_hostile_input": ["test_hostile_inputs_give_advice_or_an_input_error_and_never_crash"],
    "test_threads": ["test_eight_threads_sharing_one_advisor_get_the_single_threaded_answers"],
    "test_check": ["test_the_symbolic_check_agrees_with_brute_force"],
    "test_whatif": ["test_alternatives_are_exactly_the_minimal_changes", "test_three_changes_are_exact_too"],
    "test_properties": ["test_engine_and_reference_evaluator_agree"],
}


def test_the_soak_tests_are_marked_so_a_quick_run_can_leave_them_out() -> None:
    import importlib

    for module, names in SOAK.items():
        for name in names:
            marks = getattr(getattr(importlib.import_module(module), name), "pytestmark", [])
            assert "soak" in [mark.name for mark in marks], f"{module}.{name}: mark it @pytest.mark.soak"


def test_the_suite_runs_in_parallel_and_the_readme_command_runs_all_of_it(
    pytestconfig: pytest.Config,
) -> None:
    assert "-n auto" in " ".join(pytestconfig.getini("addopts")), "run the suite with pytest-xdist"
    assert any(marker.startswith("soak:") for marker in pytestconfig.getini("markers"))
    command = re.search(r"<!-- setup:test -->\n```bash\n(.*)\n", readme())
    assert command is not None
    tests = command.group(1).rsplit("&&", 1)[1].split()
    assert tests == [".venv/bin/python", "-m", "pytest"], "the README's test command runs everything"
