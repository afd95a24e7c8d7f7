"""A valid change to the Moray pack fails only Moray's own tests (here, in tests/moray/) and the
generated files, which `tools/regenerate.py` regenerates. In a copy of the project the pack gets a
new question and a new advice note using it (ten lines), a new version with its CHANGELOG entry,
and new words for every question, route title, reason and note; the generated files are
regenerated with the one documented command; the mechanism suite (every other test) must then
pass on the changed pack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

NEW_FACT = """\
  - id: interpreter_needed
    question: Does anyone taking part need an interpreter?
"""
NEW_RULE = """\
  - id: advice_interpreter
    effect: advice
    requires_route: reflective_case_discussion
    when: {fact: interpreter_needed, is: "yes"}
    text: Book an interpreter for the discussion.
    reason: Everyone taking part must be able to follow the discussion.
    source: {document: brief, section: "B8"}
"""
LEFT_OUT = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    "dist",
}


REWORDED = {"facts.yaml": ("question",), "routes.yaml": ("title",), "rules.yaml": ("reason", "text")}


def reworded(text: str, keys: tuple[str, ...]) -> str:
    """Each value of these keys begins 'Reworded, ' (plain, quoted and folded values alike)."""
    key = re.compile(rf"^(\s+(?:- )?(?:{'|'.join(keys)}): )(.*)$")
    lines, folded = [], False
    for line in text.splitlines(keepends=True):
        found = key.match(line)
        if folded and line.strip():
            indent = len(line) - len(line.lstrip())
            line, folded = f"{line[:indent]}Reworded, {line[indent:]}", False
        elif found and found.group(2)[:1] in (">", "|"):
            folded = True
        elif found:
            value = found.group(2)
            quote = value[:1] if value[:1] in ("'", '"') else ""
            line = f"{found.group(1)}{quote}Reworded, {value[len(quote) :]}\n"
        lines.append(line)
    return "".join(lines)


def copy_of_the_project(into: Path) -> Path:
    project = into / "project"
    shutil.copytree(ROOT, project, ignore=lambda _folder, names: [n for n in names if n in LEFT_OUT])
    return project


def run(project: Path, *args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """Run this interpreter on the copy's own code (its folder first on the import path)."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.soak
def test_a_new_question_and_note_and_new_words_fail_no_mechanism_test(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    pack = project / "rules" / "moray"
    (pack / "facts.yaml").write_text((pack / "facts.yaml").read_text() + NEW_FACT)
    (pack / "rules.yaml").write_text((pack / "rules.yaml").read_text() + NEW_RULE)
    assert len((NEW_FACT + NEW_RULE).splitlines()) <= 10
    (pack / "pack.yaml").write_text(
        (pack / "pack.yaml").read_text().replace("\nversion: 1.2.0", "\nversion: 1.3.0")
    )
    changelog = project / "CHANGELOG.md"  # a new version has its entry, as CONTRIBUTING.md asks
    heading = "## Default pack (moray-rcd)\n\n"
    assert heading in changelog.read_text()
    changelog.write_text(
        changelog.read_text().replace(heading, heading + "### 1.3.0 (unreleased)\n\n- Interpreters.\n\n", 1)
    )
    for name, keys in REWORDED.items():
        before = (pack / name).read_text()
        (pack / name).write_text(reworded(before, keys))
        assert (pack / name).read_text().count("Reworded, ") >= 8, name

    # The copy's code and pack are what run, in this process's children and in its console script.
    where = run(project, "-c", "import cli, triage; print(cli.__file__); print(triage.__file__)", timeout=60)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(project) for line in where.stdout.split()), where.stdout
    check = run(project, "-m", "triage", "rules", "check", timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("moray-rcd 1.3.0 (")  # the changed pack is the default
    assert "41 rules, 0 errors, 0 warnings" in check.stdout  # and it is valid

    regenerate = run(project, "tools/regenerate.py", timeout=600)
    assert regenerate.returncode == 0, regenerate.stderr
    assert "regenerated schemas/input.schema.json" in regenerate.stdout  # the new question is in it

    # One process: the suite around this test keeps the other core busy, and the browser tests'
    # page loads must not starve (they time out at 30 s).
    suite = run(
        project,
        *("-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--ignore=tests/moray"),
        *("tests", "triage"),
        timeout=2400,
    )
    summary = suite.stdout.strip().splitlines()[-30:]
    assert suite.returncode == 0, "\n".join(summary)
