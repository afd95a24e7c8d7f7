"""Versions: the library and the default pack have separate semantic versions, both in
CHANGELOG.md, and `triage --version` prints both with the pack's sha256."""

from __future__ import annotations

import re
from importlib import metadata

from click.testing import CliRunner
from conftest import ROOT, run_cli

import triage
from cli import main
from triage._pack import SEMVER_PATTERN

CHANGELOG = ROOT / "CHANGELOG.md"


def changelog_versions(section: str) -> list[str]:
    """The '### X.Y.Z' headings under a '## ...' section of CHANGELOG.md, newest first."""
    parts = re.split(r"^## ", CHANGELOG.read_text(), flags=re.MULTILINE)
    body = next(part for part in parts if part.startswith(section))
    return re.findall(r"^### (\S+)", body, flags=re.MULTILINE)


def test_both_versions_are_semantic() -> None:
    pack = triage.load_pack(ROOT / "rules" / "moray")
    assert re.match(SEMVER_PATTERN, triage.__version__)
    assert re.match(SEMVER_PATTERN, pack.version)


def test_the_installed_distribution_rcd_triage_carries_the_library_version() -> None:
    assert metadata.version("rcd-triage") == triage.__version__


def test_changelog_records_the_current_versions_of_both() -> None:
    pack = triage.load_pack(ROOT / "rules" / "moray")
    library = changelog_versions("Library")
    packs = changelog_versions(f"Default pack ({pack.id})")
    assert library and library[0] == triage.__version__, (
        f"CHANGELOG.md: add a '### {triage.__version__}' entry at the top of '## Library (triage)'"
    )
    assert packs and packs[0] == pack.version, (
        f"CHANGELOG.md: add a '### {pack.version}' entry at the top of '## Default pack ({pack.id})'"
    )
    for versions in (library, packs):
        assert all(re.match(SEMVER_PATTERN, version) for version in versions)
        assert len(set(versions)) == len(versions)
    assert "a change in any answer is a pack change" in CHANGELOG.read_text()


def test_version_prints_library_pack_and_hash() -> None:
    pack = triage.load_pack(triage.default_pack_path())
    expected = [
        f"triage {triage.__version__}",
        f"rule pack {pack.id} {pack.version} (sha256 {pack.sha256})",
    ]
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == expected
    assert result.output.splitlines()[2].startswith("engine durable_rules ")

    installed = run_cli("--version")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.splitlines()[:2] == expected
