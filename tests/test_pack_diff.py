"""`triage rules diff OLD NEW`: every change in the answers between two versions of a pack, checked
against brute force over every answered case of small random packs; questions reworded under the
same id; the version that did not change; folders and git revisions; exit 0 alike, 1 differ."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from conftest import ROOT, edit, run_cli
from hypothesis import given, settings
from small_packs import ANSWERS, FACTS, ROUTES, random_packs

import triage
from triage import _pack_diff
from triage._conditions import holds
from triage._pack import Pack
from triage._pack_diff import Change, diff_packs
from triage._routes import Resolution

TOY = ROOT / "tests" / "packs" / "toy"
CASES = [dict(zip(FACTS, answers, strict=True)) for answers in itertools.product(ANSWERS, repeat=3)]


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(TOY, old, ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(TOY, new, ignore=shutil.ignore_patterns("scenarios"))
    return old, new


def resolved(pack: Pack, case: dict[str, str]) -> Resolution:
    return Resolution(pack, frozenset(rule.id for rule in pack.rules if holds(pack.normal[rule.id], case)))


def answers_of(pack: Pack, case: dict[str, str]) -> dict[tuple[str, str | None], object]:
    """Every part of the answer the diff compares, for one answered case."""
    effects = resolved(pack, case)
    found: dict[tuple[str, str | None], object] = {("primary_route", None): effects.primary}
    for route in (*ROUTES, "rest"):
        found[("route", route)] = route in effects.routes
    found[("focus", None)] = focus_status(pack, case)
    for rule in pack.rules:
        if rule.effect == "advice":
            found[("note", rule.id)] = rule in effects.advice
    return found


def focus_status(pack: Pack, case: dict[str, str]) -> str:
    """The focus route's status as the answer gives it, found by trying every completion of the
    case's unknown answers."""
    if pack.focus_route in resolved(pack, case).routes:
        return "recommended"
    choices = [
        [answer for answer in ANSWERS if answer != "unknown"] if case[f] == "unknown" else [case[f]]
        for f in FACTS
    ]
    for answers in itertools.product(*choices):
        if pack.focus_route in resolved(pack, dict(zip(FACTS, answers, strict=True))).routes:
            return "possible"
    return "not_recommended"


def in_condition(change: Change, case: dict[str, str]) -> bool:
    return all(case[fact] in answers for fact, answers in change.when.items())


@pytest.mark.soak
@settings(max_examples=120, deadline=None)
@given(random_packs(), random_packs())
def test_the_diff_agrees_with_brute_force_over_every_answered_case(old: Pack, new: Pack) -> None:
    with mock.patch.object(_pack_diff, "MAX_CONDITIONS", 1000):
        diff = diff_packs(old, new)
    assert diff.unlisted == 0
    brute: set[tuple[str, str | None, int]] = set()
    for index, case in enumerate(CASES):
        before, after = answers_of(old, case), answers_of(new, case)
        for key in before.keys() | after.keys():
            if before.get(key, False) != after.get(key, False):
                brute.add((*key, index))
    found = {
        (change.what, change.subject, index)
        for change in diff.changes
        for index, case in enumerate(CASES)
        if in_condition(change, case)
    }
    assert found == brute
    assert diff.alike == (not brute)
    for change in diff.changes:
        case = {**dict.fromkeys(FACTS, "unknown"), **change.example}
        assert in_condition(change, case) and change.old != change.new


def test_the_same_pack_answers_alike_through_the_console_script(versions: tuple[Path, Path]) -> None:
    old, new = versions
    result = run_cli("rules", "diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "the packs answer alike"


def test_a_question_reworded_to_mean_the_opposite_is_shown_and_the_unchanged_version_is_an_error(
    versions: tuple[Path, Path],
) -> None:
    old, new = versions
    edit(new, "facts.yaml", "Is there a workaround the user can apply?", "Is there no workaround?")
    result = run_cli("rules", "diff", str(old), str(new))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "question 'workaround' reworded under the same id:" in lines
    assert '  question: "Is there a workaround the user can apply?" -> "Is there no workaround?"' in lines
    assert any(line.startswith("error: the pack changed but its version did not") for line in lines)
    assert lines[-1] == "the packs answer alike"
    edit(new, "pack.yaml", "version: 0.1.0", "version: 0.2.0")
    bumped = run_cli("rules", "diff", str(old), str(new))
    assert bumped.returncode == 0 and "error" not in bumped.stdout


def test_a_changed_rule_shows_where_the_answers_differ_with_an_example(versions: tuple[Path, Path]) -> None:
    old, new = versions
    edit(
        new, "rules.yaml", "- {fact: users_affected, is: many}", "- {fact: users_affected, is: [some, many]}"
    )
    edit(new, "pack.yaml", "version: 0.1.0", "version: 0.2.0")
    diff = diff_packs(triage.load_pack(old), triage.load_pack(new))
    assert not diff.alike and not diff.version_unchanged
    major = [(c.when, c.old, c.new) for c in diff.changes if c.subject == "major_incident"]
    assert major == [
        ({"service_down": ["yes"], "users_affected": ["some"]}, "not recommended", "recommended")
    ]
    assert {change.what for change in diff.changes} == {"primary_route", "route", "focus", "note"}
    result = run_cli("rules", "diff", str(old), str(new))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "route 'major_incident':" in lines
    assert lines[-1] == f"{len(diff.changes)} changes in the answers"


def test_a_pack_at_a_git_revision_is_compared_with_the_folder(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git is not None
    shutil.copytree(TOY, tmp_path / "toy")

    def run_git(*args: str) -> None:
        subprocess.run([git, *args], cwd=tmp_path, check=True, capture_output=True)

    run_git("init", "-q")
    run_git("add", ".")
    run_git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "toy")
    edit(tmp_path / "toy", "rules.yaml", "is: many}", "is: [some, many]}")
    result = run_cli("rules", "diff", "HEAD:toy", "toy", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("toy-service-desk 0.1.0 (toy at HEAD) -> toy-service-desk 0.1.0 (toy)")
    assert "error: the pack changed but its version did not" in result.stdout
    missing = run_cli("rules", "diff", "HEAD:nowhere", "toy", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "triage: error: HEAD:nowhere: no such pack folder at that git revision"


def test_a_folder_that_is_not_there_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("rules", "diff", str(tmp_path / "nowhere"), str(TOY))
    assert result.returncode in (2, 3) and len(result.stderr.splitlines()) == 1


def test_the_moray_pack_against_itself_answers_alike() -> None:
    pack = triage.load_pack(triage.default_pack_path())
    diff = diff_packs(pack, pack)
    assert diff.alike and not diff.version_unchanged and diff.reworded == []
