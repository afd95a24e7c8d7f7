"""Packs within every declared bound whose decision diagrams blow up (issue 10): shared by
tests/test_hostile_packs.py and benchmarks/run.py (`hostile_pack_refuse_s`)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import triage


def add_rules(folder: Path, text: str) -> None:
    with (folder / "rules.yaml").open("a") as handle:
        handle.write(text)


def add_facts(folder: Path, ids: list[str]) -> None:
    with (folder / "facts.yaml").open("a") as handle:
        handle.write("".join(f"  - {{id: {fact}, question: Q?}}\n" for fact in ids))


def recommend_rule(rule_id: str, when: str, route: str = "reflective_case_discussion") -> str:
    return (
        f"  - {{id: {rule_id}, effect: recommend, route: {route}, when: {when}, reason: r,"
        " source: {document: ng, section: s}}\n"
    )


def pairs_pack(folder: Path, pairs: int = 88) -> None:
    """`x_i yes and y_i yes` for each i, the x facts all before the y facts: the decision diagram
    of their disjunction doubles with every pair (within every other bound of the pack)."""
    add_facts(folder, [f"x_{n}" for n in range(pairs)] + [f"y_{n}" for n in range(pairs)])
    add_rules(
        folder,
        "".join(
            recommend_rule(f"pair_{n}", f"{{all: [{{fact: x_{n}, is: 'yes'}}, {{fact: y_{n}, is: 'yes'}}]}}")
            for n in range(pairs)
        ),
    )


def random_pack(folder: Path, rules: int = 30, facts: int = 176, seed: int = 7) -> None:
    """Rules over many facts drawn at random, each a few conjunctions: within the engine's bounds,
    but their diagrams blow up."""
    chooser = random.Random(seed)
    ids = [f"r_{n}" for n in range(facts)]
    add_facts(folder, ids)
    text = []
    for n in range(rules):
        groups = [
            "{all: [" + ", ".join(f"{{fact: {f}, is: 'yes'}}" for f in chooser.sample(ids, 5)) + "]}"
            for _ in range(3)
        ]
        route = chooser.choice(["reflective_case_discussion", "decision_forum", "single_agency_route"])
        text.append(recommend_rule(f"random_{n}", "{any: [" + ", ".join(groups) + "]}", route))
    add_rules(folder, "".join(text))


HOSTILE_PACKS: dict[str, Callable[[Path], None]] = {"pairs": pairs_pack, "random": random_pack}


def make(kind: str, folder: Path) -> Path:
    """A copy of the default pack at `folder`, made hostile by HOSTILE_PACKS[kind]."""
    shutil.copytree(triage.default_pack_path(), folder)
    HOSTILE_PACKS[kind](folder)
    return folder
