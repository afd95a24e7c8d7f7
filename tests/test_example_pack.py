"""The second pack in the repository (examples/glenmor/, a made-up area made with the pack tools):
it checks clean, its scenarios pass and cover all of it, and its sign-off document and its diff
from the scaffold are what the commands print today (regenerate them as the failure says)."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, run_cli

import triage

GLENMOR = ROOT / "examples" / "glenmor"


def test_the_example_pack_checks_clean() -> None:
    result = run_cli("rules", "check", str(GLENMOR))
    assert result.returncode == 0
    assert result.stdout.strip().endswith("16 rules, 0 errors, 0 warnings"), result.stdout


def test_the_example_scenarios_pass_and_cover_all_of_the_pack() -> None:
    result = run_cli("test", str(GLENMOR / "scenarios"), "--rules", str(GLENMOR), "--min-coverage", "100")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == ["coverage: 27 of 27 items (100%)", "12 passed, 0 failed"]


def test_the_sign_off_document_is_current() -> None:
    result = run_cli("rules", "doc", "examples/glenmor", cwd=ROOT)
    assert (GLENMOR / "sign-off.md").read_text() == result.stdout, (
        "examples/glenmor/sign-off.md is stale: run `python tools/regenerate.py`, or from the root "
        "`triage rules doc examples/glenmor > examples/glenmor/sign-off.md`"
    )


def test_the_diff_from_the_scaffold_is_current(tmp_path: Path) -> None:
    scaffold = tmp_path / "scaffold"
    assert run_cli("rules", "new", str(scaffold)).returncode == 0
    result = run_cli("rules", "diff", str(scaffold), "examples/glenmor", cwd=ROOT)
    assert result.returncode == 1 and result.stderr == ""
    assert (GLENMOR / "diff-from-scaffold.txt").read_text() == result.stdout.replace(
        str(scaffold), "scaffold"
    ), (
        "examples/glenmor/diff-from-scaffold.txt is stale: run `python tools/regenerate.py`, or from the "
        "repository root `triage rules "
        "new scaffold && triage rules diff scaffold examples/glenmor > "
        "examples/glenmor/diff-from-scaffold.txt; rm -r scaffold`"
    )


def test_the_page_over_the_example_pack_speaks_only_its_words() -> None:
    from fastapi.testclient import TestClient

    from triage.web import create_app

    client = TestClient(create_app(triage.Advisor(GLENMOR)))
    start = client.get("/").text
    assert "Multiagency Case Discussion (MACD)" in start
    answers = {"immediate_danger": "no", "unshared_concern": "no", "agencies": "three_or_more"}
    answer = client.post("/advice", data=answers).text
    assert "Multiagency Case Discussion (MACD)" in answer
    for page in (start, answer):
        for word in ("Moray", "Reflective", "RCD"):
            assert word not in page
