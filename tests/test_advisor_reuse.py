"""Reusing Advisors: `assess(pack=...)` builds one Advisor per pack content (a small cache by
sha256, never stale), and an Advisor pickles for a process pool, answering alike there."""

from __future__ import annotations

import pickle
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, edit

import triage
from triage import _advisor

CASE = {"immediate_danger": "no", "unreported_harm_concern": "no", "complex": "yes", "multiagency": "yes"}


def without_time(rec: triage.Recommendation) -> dict[str, object]:
    return rec.model_dump(mode="json", exclude={"audit": {"timestamp"}})


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every pack folder an Advisor loads, in order."""
    loaded: list[Path] = []
    real = _advisor.load_pack

    def counting(path: str | Path) -> triage.Pack:
        loaded.append(Path(path))
        return real(path)

    monkeypatch.setattr(_advisor, "load_pack", counting)
    monkeypatch.setattr(_advisor, "_advisors", type(_advisor._advisors)())
    return loaded


def test_assess_with_a_pack_folder_loads_it_once_until_its_files_change(
    tmp_path: Path, loads: list[Path]
) -> None:
    pack = Path(shutil.copytree(triage.default_pack_path(), tmp_path / "pack"))
    first = [triage.assess(CASE, pack=pack) for _ in range(3)]
    assert loads == [pack]
    assert len({rec.audit.pack_sha256 for rec in first}) == 1
    edit(pack, "rules.yaml", 'when: {fact: immediate_danger, is: "yes"}', 'when: {fact: complex, is: "yes"}')
    edited = triage.assess(CASE, pack=pack)
    assert loads == [pack, pack]
    assert edited.primary_route == "emergency_response"  # the edited rule, never the cached one
    assert edited.audit.pack_sha256 == triage.load_pack(pack).sha256 != first[0].audit.pack_sha256


def test_assess_keeps_the_advisors_of_the_last_packs_used_only(tmp_path: Path, loads: list[Path]) -> None:
    packs = []
    for number in range(_advisor.ADVISORS_KEPT + 1):
        pack = Path(shutil.copytree(triage.default_pack_path(), tmp_path / f"pack{number}"))
        (pack / "pack.yaml").write_text((pack / "pack.yaml").read_text() + f"\n# copy {number}\n")
        packs.append(pack)
        triage.assess(CASE, pack=pack)
    assert len(_advisor._advisors) == _advisor.ADVISORS_KEPT
    triage.assess(CASE, pack=packs[-1])  # kept
    triage.assess(CASE, pack=packs[0])  # the least recently used: gone, loaded again
    assert loads == [*packs, packs[0]]


def test_an_advisor_pickles_and_answers_alike_after(advisor: triage.Advisor) -> None:
    copy = pickle.loads(pickle.dumps(advisor))  # noqa: S301 - our own pickle
    assert copy.pack.sha256 == advisor.pack.sha256
    for answers in ({}, CASE, {"immediate_danger": "yes"}):
        assert without_time(copy.assess(answers)) == without_time(advisor.assess(answers))
    assert copy.alternatives(CASE) == advisor.alternatives(CASE)


_worker_advisor: triage.Advisor | None = None


def _start_worker(advisor: triage.Advisor) -> None:
    global _worker_advisor
    _worker_advisor = advisor


def _route(answers: dict[str, str]) -> str:
    assert _worker_advisor is not None
    return _worker_advisor.assess(answers).primary_route


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_an_advisor_handed_once_to_each_worker_process_answers_there_alike(
    advisor: triage.Advisor, method: str
) -> None:
    import multiprocessing

    cases = [{}, CASE, {"immediate_danger": "yes"}, {**CASE, "reflection_sought": "yes"}]
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(2, mp_context=context, initializer=_start_worker, initargs=(advisor,)) as pool:
        routes = list(pool.map(_route, cases, timeout=120))
    assert routes == [advisor.assess(answers).primary_route for answers in cases]


def test_the_documented_process_pool_recipe_runs(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "integration.md").read_text()
    (recipe,) = [
        block for block in re.findall(r"^```python\n(.*?)^```$", text, re.M | re.S) if "ProcessPool" in block
    ]
    (tmp_path / "recipe.py").write_text(recipe)
    done = subprocess.run(
        [sys.executable, "recipe.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['emergency_response', 'child_protection_referral']\n"
