"""Pack loading: the default pack is valid, and broken packs are refused with a PackError that
names the file, the rule and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import edit

import triage


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), folder)
    return folder


def refused(folder: Path) -> str:
    with pytest.raises(triage.PackError) as caught:
        triage.load_pack(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_every_brief_point_is_cited() -> None:
    pack = triage.load_pack(triage.default_pack_path())
    cited = " ".join(
        [r.source.section for r in pack.rules if r.source.document == "brief"]
        + [s.section for route in pack.routes for s in route.sources if s.document == "brief"]
    )
    for point in ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11"):
        assert point in cited, point
    assert all(contact.as_of == "2023-07" for contact in pack.contacts.values() if contact.source == "brief")


def test_pack_hash_identifies_content(pack_copy: Path) -> None:
    before = triage.load_pack(pack_copy).sha256
    edit(pack_copy, "pack.yaml", "version: 1.2.0", "version: 1.2.1")
    assert triage.load_pack(pack_copy).sha256 != before


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("rules.yaml", '{fact: complex, is: "yes"}', '{fact: complx, is: "yes"}', "rule 'rcd_complex'"),
        (
            "rules.yaml",
            '{fact: complex, is: "yes"}',
            '{fact: complex, is: "maybe"}',
            "'maybe' is not an answer of 'complex'",
        ),
        (
            "rules.yaml",
            "route: emergency_response",
            "route: emergency_responce",
            "unknown route 'emergency_responce' (did you mean 'emergency_response'?)",
        ),
        (
            "rules.yaml",
            "- id: cpr_harm_concern\n",
            "- id: er_immediate_danger\n",
            "duplicate id 'er_immediate_danger'",
        ),
        (
            "rules.yaml",
            "    reason: A child is thought to be in immediate danger or in need of urgent medical care.\n",
            "",
            "rule 'er_immediate_danger': reason",
        ),
        (
            "rules.yaml",
            '    source: {document: ng, section: "para 3.8"}\n',
            "",
            "rule 'er_immediate_danger': source",
        ),
        (
            "rules.yaml",
            'source: {document: ng, section: "para 3.8"}',
            "source: {document: nope, section: x}",
            "unknown source 'nope'",
        ),
        (
            "rules.yaml",
            "effect: recommend\n    route: emergency_response",
            "effect: promote\n    route: emergency_response",
            "rule 'er_immediate_danger': effect",
        ),
        (
            "rules.yaml",
            'when: {fact: immediate_danger, is: "yes"}',
            "when: {fakt: immediate_danger}",
            "rule 'er_immediate_danger': when",
        ),
        ("rules.yaml", "rules:\n", "rules:\n  - [unbalanced\n", "rules.yaml: line"),
        (
            "rules.yaml",
            "rules:\n",
            'rules: !!python/object/apply:os.system ["echo hacked"]\nx:\n',
            "rules.yaml",
        ),
        ("facts.yaml", "  - id: complex\n", "  - id: kind\n", "'kind' is reserved"),
        (
            "routes.yaml",
            "priority: 2\n",
            "priority: 1\n",
            "routes 'emergency_response' and 'child_protection_referral' share priority 1",
        ),
        ("routes.yaml", "priority: 2\n", "priority: -5\n", "priority"),
        ("pack.yaml", "version: 1.2.0", "version: one", "version"),
        (
            "rules.yaml",
            "effect: recommend\n    route: emergency_response",
            "effect: recommend\n    first_step: true\n    route: emergency_response",
            "'first_step' are for advice rules only",
        ),
        (
            "facts.yaml",
            'ask_early_when: {fact: child_died, is: "yes"}',
            'ask_early_when: {fact: child_dyed, is: "yes"}',
            "unknown fact or answer in 'child_dyed' (did you mean 'child_died'?)",
        ),
        ("pack.yaml", "focus_route: reflective_case_discussion", "focus_route: rcd", "unknown route 'rcd'"),
    ],
)
def test_broken_pack_is_refused_naming_the_problem(
    pack_copy: Path, name: str, old: str, new: str, expected: str
) -> None:
    edit(pack_copy, name, old, new)
    message = refused(pack_copy)
    assert expected in message
    assert name in message or expected.startswith("rule") or "rule '" in message


def test_a_pack_cannot_rank_a_route_above_a_safety_route(pack_copy: Path) -> None:
    edit(pack_copy, "routes.yaml", "priority: 1\n", "priority: 60\n")
    message = refused(pack_copy)
    assert (
        "safety route 'emergency_response' (priority 60) must be more urgent than every other route"
        in message
    )
    assert "routes.yaml" in message


def test_unquoted_yes_no_in_yaml_mean_the_answers(pack_copy: Path) -> None:
    edit(
        pack_copy,
        "rules.yaml",
        'when: {fact: immediate_danger, is: "yes"}',
        "when: {fact: immediate_danger, is: yes}",
    )
    pack = triage.load_pack(pack_copy)
    assert pack.rule["er_immediate_danger"].when.answers == frozenset({"yes"})  # type: ignore[union-attr]


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "bomb"
    folder.mkdir()
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}]")
    (folder / "pack.yaml").write_text("\n".join(lines) + "\n")
    assert "aliases" in refused(folder)


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    assert "not a folder" in refused(tmp_path / "nowhere")
    assert "no .yaml files" in refused(tmp_path)


def test_key_in_two_files_is_refused(pack_copy: Path) -> None:
    (pack_copy / "extra.yaml").write_text("notice: twice\n")
    assert "key 'notice' is also in" in refused(pack_copy)


def test_too_many_engine_branches_is_refused_by_the_engine_not_the_loader(pack_copy: Path) -> None:
    extra = "".join(
        f"  - id: many_{n}\n    effect: advice\n    text: t\n    reason: r\n"
        f"    source: {{document: brief, section: s}}\n"
        "    when: {all: ["
        + ", ".join('{any: [{fact: complex, is: "yes"}, {fact: multiagency, is: "yes"}]}' for _ in range(3))
        + "]}\n"
        for n in range(70)
    )
    edit(pack_copy, "rules.yaml", "rules:\n", "rules:\n" + extra)
    pack = triage.load_pack(pack_copy)
    with pytest.raises(triage.PackError, match="engine branches") as caught:
        triage.Advisor(pack)
    assert (caught.value.rule or "").startswith("many_")  # the rule that crosses the bound
