"""The pack as a picture: `triage rules diagram` (Mermaid, DOT, the docs page)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, run_cli

import triage
from cli import main
from triage._conditions import And, Or
from triage._conditions import Test as AnswerTest  # not named Test*: pytest would collect it
from triage._pack import rule_facts

DOC = ROOT / "docs" / "rules-diagram.md"
REGENERATE = "triage rules diagram --rules rules/moray --format markdown > docs/rules-diagram.md"


@pytest.fixture(scope="module")
def pack() -> triage.Pack:
    return triage.load_pack(ROOT / "rules" / "moray")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "moray", folder)
    return folder


def edges(mermaid: str) -> list[tuple[str, str, str, str]]:
    """(tail, link, label, head) of every edge line, in order."""
    found = re.findall(
        r"^  (\w+) (-->|==>|-\.->|-\.-)(?:\|\"([^|]*)\"\|)? (\w+)$", mermaid, flags=re.MULTILINE
    )
    return [(tail, link, label, head) for tail, link, label, head in found]


def feeding(found: list[tuple[str, str, str, str]], node: str) -> set[str]:
    """The facts drawn into a node, directly or through its 'any of' / 'all of' junctions."""
    facts: set[str] = set()
    for tail, _, _, head in found:
        if head == node:
            facts |= {tail.removeprefix("f_")} if tail.startswith("f_") else feeding(found, tail)
    return facts


def test_any_of_and_all_of_inside_it_are_drawn_as_junctions(pack: triage.Pack) -> None:
    picture = triage.rules_diagram(pack)
    found = edges(picture)
    for rule in pack.rules:
        normal = pack.normal[rule.id]
        junctions = [head for tail, _, _, head in found if head.startswith(f"j_{rule.id}_")]
        has_any = isinstance(normal, Or) or (
            isinstance(normal, And) and any(isinstance(part, Or) for part in normal.parts)
        )
        if has_any:
            assert junctions, rule.id
        if isinstance(normal, AnswerTest) or (
            isinstance(normal, And) and all(isinstance(p, AnswerTest) for p in normal.parts)
        ):
            assert not junctions, rule.id
    labels = dict(re.findall(r'^    (j_\w+)\(\("(any of|all of)"\)\)$', picture, flags=re.MULTILINE))
    assert "any of" in labels.values()
    assert set(labels) == {head for _, _, _, head in found if head.startswith("j_")} | {
        tail for tail, _, _, _ in found if tail.startswith("j_")
    }


def test_committed_diagram_is_up_to_date(pack: triage.Pack) -> None:
    assert DOC.read_text() == triage.rules_diagram(pack, "markdown") + "\n", (
        f"docs/rules-diagram.md is stale: the pack changed. Regenerate it from the repository root with:\n"
        f"  {REGENERATE}\n(`python tools/regenerate.py` regenerates every generated file)"
    )


def test_docs_page_holds_the_mermaid_diagram(pack: triage.Pack) -> None:
    block = re.search(r"```mermaid\n(.*?)\n```", DOC.read_text(), flags=re.DOTALL)
    assert block is not None
    assert block.group(1) == triage.rules_diagram(pack, "mermaid")
    assert REGENERATE in DOC.read_text()


def test_mermaid_draws_facts_to_rules_to_routes(pack: triage.Pack) -> None:
    picture = triage.rules_diagram(pack)
    assert picture.startswith("flowchart LR\n")
    found = edges(picture)
    for rule in pack.rules:
        assert re.search(rf"^    r_{rule.id}\W", picture, flags=re.MULTILINE), rule.id
        assert feeding(found, f"r_{rule.id}") == set(rule_facts(rule)), rule.id
        out = [(link, label, head) for tail, link, label, head in found if tail == f"r_{rule.id}"]
        target = rule.route or rule.requires_route
        expected = {
            "recommend": [("==>", "", f"route_{target}")],
            "rule_out": [("-.->", "rules out", f"route_{target}")],
            "advice": [("-.-", "", f"route_{target}")] if target else [],
        }[rule.effect]
        assert out == expected, rule.id
    assert ("f_immediate_danger", "-->", "yes", "r_er_immediate_danger") in found
    assert ("f_multiagency", "-->", "no", "r_rcd_out_single_agency") in found
    # a negated test shows the answers that satisfy it
    assert ("f_within_one_agency", "-->", "no or unknown", "r_esc_agency_not_responding") in found


def test_rule_out_edges_are_the_ones_styled_red(pack: triage.Pack) -> None:
    picture = triage.rules_diagram(pack)
    styled = re.search(r"^  linkStyle ([\d,]+) stroke:#c62828", picture, flags=re.MULTILINE)
    assert styled is not None
    rule_outs = [i for i, (_, link, _, _) in enumerate(edges(picture)) if link == "-.->"]
    assert [int(i) for i in styled.group(1).split(",")] == rule_outs
    assert len(rule_outs) == sum(rule.effect == "rule_out" for rule in pack.rules) == 3


def test_routes_are_numbered_in_urgency_order(pack: triage.Pack) -> None:
    for fmt in ("mermaid", "dot"):
        picture = triage.rules_diagram(pack, fmt)
        numbered = re.findall(r"route_(\w+) ?[\[]?(?:label=)?\"(\d+)\. ", picture)
        assert [route for route, _ in numbered] == [route.id for route in pack.routes], fmt
        assert [int(n) for _, n in numbered] == list(range(1, len(pack.routes) + 1)), fmt
    assert f'"1. {pack.routes[0].title}"' in triage.rules_diagram(pack)
    assert "(default)" in triage.rules_diagram(pack).split("route_no_additional_route")[1].splitlines()[0]


def test_dot_is_well_formed_graphviz(pack: triage.Pack, tmp_path: Path) -> None:
    picture = triage.rules_diagram(pack, "dot")
    assert picture.startswith("digraph rules {") and picture.endswith("}")
    assert picture.count("{") == picture.count("}")
    declared = set(re.findall(r"^    (\w+) \[label=", picture, flags=re.MULTILINE))
    drawn = re.findall(r"^  (\w+) -> (\w+) \[(.*)\];$", picture, flags=re.MULTILINE)
    assert drawn and all(tail in declared and head in declared for tail, head, _ in drawn)
    rule_outs = [head for _, head, style in drawn if "style=dashed" in style]
    assert rule_outs == ["route_reflective_case_discussion"] * 3
    assert all('label="rules out"' in style for _, _, style in drawn if "style=dashed" in style)
    order = re.search(r"^    (route_\w+(?: -> route_\w+)+) \[style=invis\];$", picture, flags=re.MULTILINE)
    assert order is not None
    assert order.group(1).split(" -> ") == [f"route_{route.id}" for route in pack.routes]

    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed: the syntax was checked by structure only")
    rendered = subprocess.run([dot, "-Tsvg"], input=picture, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    assert not rendered.stderr.strip(), rendered.stderr
    for route in pack.routes:
        assert route.title in html.unescape(rendered.stdout)


def test_labels_with_quotes_are_escaped(toy: Path) -> None:
    routes = toy / "routes.yaml"
    first = re.search(r"^    title: (.+)$", routes.read_text(), flags=re.MULTILINE)
    assert first is not None
    routes.write_text(routes.read_text().replace(first.group(0), '    title: The "first" route', 1))
    pack = triage.load_pack(toy)
    (route,) = [route for route in pack.routes if route.title == 'The "first" route']
    number = pack.routes.index(route) + 1
    assert f'"{number}. The #quot;first#quot; route"' in triage.rules_diagram(pack, "mermaid")
    assert rf'"{number}. The \"first\" route"' in triage.rules_diagram(pack, "dot")


def test_a_changed_pack_makes_the_committed_diagram_stale(pack_copy: Path) -> None:
    rules = pack_copy / "rules.yaml"
    rules.write_text(rules.read_text().replace("id: rcd_complex", "id: rcd_complex_case", 1))
    assert triage.rules_diagram(triage.load_pack(pack_copy), "markdown") + "\n" != DOC.read_text()


def test_unknown_format_is_an_input_error(pack: triage.Pack) -> None:
    with pytest.raises(triage.InputError, match="unknown diagram format 'svg'"):
        triage.rules_diagram(pack, "svg")


def test_rules_diagram_command(pack_copy: Path, pack: triage.Pack) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["rules", "diagram"])
    assert result.exit_code == 0
    assert result.output == triage.rules_diagram(pack) + "\n"
    dot = runner.invoke(main, ["rules", "diagram", "--format", "dot", "--rules", str(pack_copy)])
    assert dot.exit_code == 0 and dot.output.startswith("digraph rules {")
    assert runner.invoke(main, ["rules", "diagram", "--format", "svg"]).exit_code == 2

    installed = run_cli("rules", "diagram", "--format", "markdown")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == DOC.read_text()
