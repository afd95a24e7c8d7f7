"""`triage rules doc`: the sign-off document in plain words (Markdown and a printable HTML page): each
route with when it applies and is ruled out (all-of and any-of kept, unknown said as "not sure"), its
steps, contacts and notes, each rule's reason and source, the questions and the sources; no ids and
no raw conditions."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, edit, run_cli

import triage
from triage._pack_doc import pack_document

TOY = ROOT / "tests" / "packs" / "toy"


def ids_of(pack: triage.Pack) -> set[str]:
    """The pack's ids that could not be mistaken for words of the text (those with an underscore)."""
    ids = {*pack.rule, *pack.route, *pack.fact, *pack.sources, *pack.contacts}
    return {item for item in ids if "_" in item}


def test_the_toy_document_says_every_route_rule_question_and_source_in_words() -> None:
    result = run_cli("rules", "doc", str(TOY))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    pack = triage.load_pack(TOY)
    assert text.startswith("# Toy service desk - which queue takes a report?\n")
    for route in pack.routes:
        assert route.title in text and route.guidance in text
        assert all(step in text for step in route.next_steps)
    for rule in pack.rules:
        assert rule.reason in text and pack.cite(rule.source) in text
    assert "Note: Publish the workaround while the incident is open." in text
    for fact in pack.facts:
        assert fact.question in text
    assert "Toy Service Desk Handbook (2024-01)" in text
    assert "Security desk: Suspected breaches (Toy Service Desk Handbook, as of 2024-01)" in text


def test_the_document_shows_no_ids_and_no_raw_conditions() -> None:
    for folder in (TOY, triage.default_pack_path()):
        pack = triage.load_pack(folder)
        for fmt in ("markdown", "html"):
            text = pack_document(pack, fmt)
            words = set(re.findall(r"[a-z0-9_]+", text))
            assert not ids_of(pack) & words, (folder, fmt)
            for raw in ("fact:", "{", "requires_route", "rule_out", "'unknown'"):
                assert raw not in re.sub(r"<style>.*?</style>", "", text, flags=re.S)


def test_all_of_any_of_and_unknown_are_said_in_words(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    edit(
        folder,
        "rules.yaml",
        '        - {fact: workaround, is: "yes"}\n',
        '        - any: [{fact: workaround, is: "yes"}, {fact: service_down, is: "no"}]\n',
    )
    text = pack_document(triage.load_pack(folder))
    assert "- When all of these hold:" in text
    assert "- Any one of these holds:" in text
    assert "'Is there a workaround the user can apply?' is answered yes" in text
    assert "'Could personal or confidential data have been exposed?' is answered yes or not sure" in text
    # A negated test is said as the answers that satisfy it.
    assert "'How many users are affected?' is answered one or some or not sure" in text
    lines = text.splitlines()
    anyof = lines.index(next(line for line in lines if line.endswith("Any one of these holds:")))
    indent = len(lines[anyof]) - len(lines[anyof].lstrip())
    assert lines[anyof + 1].startswith(" " * (indent + 2) + "- 'Is there a workaround")


class _Balanced(HTMLParser):
    VOID = frozenset({"meta", "br", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag


def test_the_html_page_is_whole_printable_and_self_contained() -> None:
    result = run_cli("rules", "doc", "--format", "html", "--rules", str(TOY))
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    parser = _Balanced()
    parser.feed(page)
    assert parser.open == []
    assert "src=" not in page and "<link" not in page and "<script" not in page
    assert "<h3>2. Major incident (the route this advice is about)</h3>" in page


def test_the_pack_is_given_as_dir_or_rules_but_once() -> None:
    assert run_cli("rules", "doc", str(TOY)).stdout == run_cli("rules", "doc", "--rules", str(TOY)).stdout
    both = run_cli("rules", "doc", str(TOY), "--rules", str(triage.default_pack_path()))
    assert both.returncode == 2 and "DIR or --rules" in both.stderr


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_moray_document_names_every_route_in_order(fmt: str) -> None:
    pack = triage.load_pack(triage.default_pack_path())
    text = pack_document(pack, fmt)
    places = [
        text.index(route.title if fmt == "markdown" else html.escape(route.title)) for route in pack.routes
    ]
    assert places == sorted(places)
