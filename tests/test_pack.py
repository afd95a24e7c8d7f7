"""Pack loading: the default pack is valid, and broken packs are refused with a PackError that
names the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit

import triage


@pytest.fixture
def pack_copy(toy: Path) -> Path:
    """A pack for these tests to break: the toy pack (its words and ids are the tests' own)."""
    return toy


def refused(folder: Path) -> str:
    with pytest.raises(triage.PackError) as caught:
        triage.load_pack(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_pack_hash_identifies_content(pack_copy: Path) -> None:
    before = triage.load_pack(pack_copy).sha256
    edit(pack_copy, "pack.yaml", "version: 0.1.0", "version: 0.1.1")
    assert triage.load_pack(pack_copy).sha256 != before


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "rules.yaml",
            '{fact: service_down, is: "yes"}',
            '{fact: servce_down, is: "yes"}',
            "rule 'major_outage'",
        ),
        (
            "rules.yaml",
            '{fact: service_down, is: "yes"}',
            '{fact: service_down, is: "maybe"}',
            "'maybe' is not an answer of 'service_down'",
        ),
        (
            "rules.yaml",
            "route: security_incident",
            "route: security_incidnt",
            "unknown route 'security_incidnt' (did you mean 'security_incident'?)",
        ),
        (
            "rules.yaml",
            "- id: major_outage\n",
            "- id: security_exposure\n",
            "duplicate id 'security_exposure'",
        ),
        (
            "rules.yaml",
            "    reason: Possible data exposure, or not known, goes to the security desk as a precaution.\n",
            "",
            "rule 'security_exposure': reason",
        ),
        (
            "rules.yaml",
            '    source: {document: handbook, section: "1.1"}\n',
            "",
            "rule 'security_exposure': source",
        ),
        (
            "rules.yaml",
            'source: {document: handbook, section: "1.1"}',
            "source: {document: nope, section: x}",
            "unknown source 'nope'",
        ),
        (
            "rules.yaml",
            "effect: recommend\n    route: security_incident",
            "effect: promote\n    route: security_incident",
            "rule 'security_exposure': effect",
        ),
        (
            "rules.yaml",
            'when: {fact: data_exposed, is: ["yes", "unknown"]}',
            "when: {fakt: data_exposed}",
            "rule 'security_exposure': when",
        ),
        ("rules.yaml", "rules:\n", "rules:\n  - [unbalanced\n", "rules.yaml: line"),
        (
            "rules.yaml",
            "rules:\n",
            'rules: !!python/object/apply:os.system ["echo hacked"]\nx:\n',
            "rules.yaml",
        ),
        ("facts.yaml", "  - id: workaround\n", "  - id: kind\n", "'kind' is reserved"),
        (
            "routes.yaml",
            "priority: 3\n",
            "priority: 2\n",
            "routes 'major_incident' and 'self_help' share priority 2",
        ),
        ("routes.yaml", "priority: 2\n", "priority: -5\n", "priority"),
        ("pack.yaml", "version: 0.1.0", "version: one", "version"),
        (
            "rules.yaml",
            "effect: recommend\n    route: security_incident",
            "effect: recommend\n    first_step: true\n    route: security_incident",
            "'first_step' are for advice rules only",
        ),
        (
            "facts.yaml",
            "  - id: workaround\n",
            '  - id: workaround\n    ask_early_when: {fact: service_dwn, is: "yes"}\n',
            "unknown fact or answer in 'service_dwn' (did you mean 'service_down'?)",
        ),
        ("pack.yaml", "focus_route: major_incident", "focus_route: major", "unknown route 'major'"),
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
        "safety route 'security_incident' (priority 60) must be more urgent than every other route" in message
    )
    assert "routes.yaml" in message


def test_unquoted_yes_no_in_yaml_mean_the_answers(pack_copy: Path) -> None:
    edit(
        pack_copy,
        "rules.yaml",
        'when: {fact: data_exposed, is: ["yes", "unknown"]}',
        "when: {fact: data_exposed, is: yes}",
    )
    pack = triage.load_pack(pack_copy)
    assert pack.rule["security_exposure"].when.answers == frozenset({"yes"})  # type: ignore[union-attr]


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
        f"    source: {{document: handbook, section: s}}\n"
        "    when: {all: ["
        + ", ".join(
            '{any: [{fact: service_down, is: "yes"}, {fact: workaround, is: "yes"}]}' for _ in range(3)
        )
        + "]}\n"
        for n in range(70)
    )
    edit(pack_copy, "rules.yaml", "rules:\n", "rules:\n" + extra)
    pack = triage.load_pack(pack_copy)
    with pytest.raises(triage.PackError, match="engine branches") as caught:
        triage.Advisor(pack)
    assert (caught.value.rule or "").startswith("many_")  # the rule that crosses the bound
