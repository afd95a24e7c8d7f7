"""Every `rules` command takes the pack the same way (DIR, or --rules, not both different ones),
through the console script; `rules list` prints each rule's reason, as its help says."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_cli

import triage

TOY = ROOT / "tests" / "packs" / "toy"

COMMANDS = {
    "list": ["rules", "list"],
    "show": ["rules", "show", "major_outage"],
    "diagram": ["rules", "diagram"],
    "doc": ["rules", "doc"],
    "check": ["rules", "check"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_the_pack_folder_is_the_argument_or_rules_alike(name: str) -> None:
    as_argument = run_cli(*COMMANDS[name], str(TOY))
    as_option = run_cli(*COMMANDS[name], "--rules", str(TOY))
    assert as_argument.returncode == 0, as_argument.stderr
    assert as_argument.stdout == as_option.stdout
    both = run_cli(*COMMANDS[name], str(TOY), "--rules", str(triage.default_pack_path()))
    assert (
        both.returncode == 2
        and both.stderr.strip() == "triage: error: give the pack folder once: DIR or --rules"
    )


def test_rules_list_prints_each_rules_reason() -> None:
    lines = run_cli("rules", "list", str(TOY)).stdout.splitlines()
    pack = triage.load_pack(TOY)
    assert len(lines) == 2 * len(pack.rules)
    for index, rule in enumerate(pack.rules):
        assert lines[2 * index].split()[:2] == [rule.id, rule.effect]
        assert lines[2 * index + 1] == f"    {rule.reason}"


def test_scenarios_of_another_pack_name_the_pack_used_and_suggest_rules() -> None:
    result = run_cli("test", str(TOY / "scenarios"))
    assert result.returncode == 2
    pack = triage.load_pack(triage.default_pack_path())
    assert result.stderr.strip().endswith(
        f"(these scenarios ran on the pack {pack.label}; for another pack, give its folder with --rules)"
    )
