"""`triage rules new DIR`: a small complete pack that checks clean, passes its own scenarios with
full coverage, and says in comments what to change; written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from triage._scaffold import template_files


def test_a_new_pack_checks_clean_and_its_scenarios_cover_all_of_it(tmp_path: Path) -> None:
    folder = tmp_path / "my-pack"
    made = run_cli("rules", "new", str(folder))
    assert made.returncode == 0, made.stderr
    assert sorted(str(path.relative_to(folder)) for path in folder.rglob("*.yaml")) == sorted(
        template_files()
    )
    checked = run_cli("rules", "check", str(folder))
    assert checked.returncode == 0 and checked.stdout.strip().endswith("0 errors, 0 warnings"), checked.stdout
    tested = run_cli("test", str(folder / "scenarios"), "--rules", str(folder), "--min-coverage", "100")
    assert tested.returncode == 0, tested.stdout
    assert tested.stdout.splitlines()[0].endswith("(100%)")


def test_every_file_of_a_new_pack_says_what_to_change() -> None:
    for name, text in template_files().items():
        assert text.startswith("# "), name


def test_a_new_pack_never_overwrites_a_folder_with_files(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = run_cli("rules", "new", str(folder))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"triage: error: {folder}: already exists and is not an empty folder (give a new folder)"
    )
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["taken"]


def test_a_new_pack_needs_its_parent_folder(tmp_path: Path) -> None:
    result = run_cli("rules", "new", str(tmp_path / "missing" / "my-pack"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"triage: error: {tmp_path / 'missing'}: no such folder"
