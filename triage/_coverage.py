"""Scenario coverage: what a pack's scenarios exercise, and a draft scenario for each gap.

Four kinds of item: each recommend or rule_out rule fires in some scenario; each route is some
scenario's primary route; each note (advice rule) is shown; each rule-out decides (it holds while a
recommend rule of its route holds, so it takes the route away). A gap's draft comes from the
decision diagrams: answers under which the item happens (safety questions answered 'no' where that
is possible), and as its expectation the advice those answers get from the pack today, for the
author to check against the guidance before pasting it in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from triage._advisor import Advisor
from triage._pack import RuleSpec
from triage._recommendation import FROZEN, Facts, FrozenData, Recommendation

ItemKind = Literal["rule_fired", "route_primary", "note_shown", "rule_out_decided"]

_GAP_WORDS: dict[ItemKind, str] = {
    "rule_fired": "rules never fired",
    "route_primary": "routes never primary",
    "note_shown": "notes never shown",
    "rule_out_decided": "rule-outs never decided",
}


class Draft(BaseModel):
    """A scenario to paste into a scenario file: a name, the answers, what the advice is today."""

    model_config = FROZEN
    name: str
    facts: Facts
    expect: FrozenData


class Gap(BaseModel):
    """An item no scenario exercises, with a draft scenario that does."""

    model_config = FROZEN
    kind: ItemKind
    id: str = Field(description="The rule, route or note (advice rule) id.")
    draft: Draft


class Coverage(BaseModel):
    """How much of a pack the scenarios exercise, and the gaps.

    >>> import triage
    >>> report = triage.run_scenarios([triage.default_pack_path() / "scenarios"], coverage=True)
    >>> report.coverage is not None and report.coverage.total > 0
    True
    """

    model_config = FROZEN
    covered: int
    total: int
    gaps: tuple[Gap, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float:
        """The share of items covered, rounded down to a tenth (100.0 for a pack with none)."""
        return 100.0 if not self.total else int(1000 * self.covered / self.total) / 10

    def lines(self) -> list[str]:
        """The coverage as the command line prints it, the drafts as YAML to paste."""
        found = [f"coverage: {self.covered} of {self.total} items ({self.percent:g}%)"]
        for kind, words in _GAP_WORDS.items():
            ids = [gap.id for gap in self.gaps if gap.kind == kind]
            if ids:
                found.append(f"  {words}: {', '.join(ids)}")
        if self.gaps:
            found.append("draft scenarios for the gaps (check each expectation against the guidance):")
            found.extend(line for gap in self.gaps for line in _yaml(gap.draft))
        return found


def coverage(advisor: Advisor, recs: Iterable[Recommendation]) -> Coverage:
    """The coverage of the scenarios whose advice is `recs`, with a draft for each gap."""
    pack = advisor.pack
    done: dict[ItemKind, set[str]] = {kind: set() for kind in _GAP_WORDS}
    for rec in recs:
        fired = {rule.id for rule in rec.fired_rules}
        done["rule_fired"].update(fired)
        done["route_primary"].add(rec.primary_route)
        done["note_shown"].update(note.rule for note in rec.advice)
        done["rule_out_decided"].update(
            rule.id
            for rule in _rule_outs(pack.rules)
            if rule.id in fired and _recommending(rule, fired, pack.rules)
        )
    d = advisor.analysis.diagrams
    # An item no answers can bring about is no gap in the scenarios: `rules check` reports such a
    # rule or route, and a rule-out that never meets its route's recommendation still explains
    # why the route is not there.
    items = [(kind, item, root) for kind, item, root in _items(advisor) if root != d.false]
    gaps = [
        Gap(kind=kind, id=item, draft=_draft(advisor, kind, item, root))
        for kind, item, root in items
        if item not in done[kind]
    ]
    return Coverage(covered=len(items) - len(gaps), total=len(items), gaps=gaps)


def _rule_outs(rules: Iterable[RuleSpec]) -> Iterator[RuleSpec]:
    return (rule for rule in rules if rule.effect == "rule_out")


def _recommending(rule_out: RuleSpec, fired: set[str], rules: Iterable[RuleSpec]) -> bool:
    """Whether some recommend rule of the rule-out's route fired too."""
    return any(r.effect == "recommend" and r.route == rule_out.route and r.id in fired for r in rules)


def _items(advisor: Advisor) -> Iterator[tuple[ItemKind, str, int]]:
    """Every item of the pack, with the diagram of when it happens."""
    pack, analysis = advisor.pack, advisor.analysis
    d = analysis.diagrams
    for rule in pack.rules:
        if rule.effect != "advice":
            yield "rule_fired", rule.id, analysis.rule[rule.id]
    for route in pack.routes:
        yield "route_primary", route.id, analysis.is_primary[route.id]
    for rule in pack.rules:
        if rule.effect == "advice":
            yield "note_shown", rule.id, analysis.shown(rule)
    for rule in _rule_outs(pack.rules):
        recommending = analysis.routes.recommending[rule.route or ""]  # a rule_out always names one
        yield "rule_out_decided", rule.id, d.conjoin(analysis.rule[rule.id], recommending)


def _draft(advisor: Advisor, kind: ItemKind, item: str, root: int) -> Draft:
    facts = advisor.analysis.example(root, calm=True) or {}  # root is never false here
    rec = advisor.assess(facts)
    expect: dict[str, Any] = {"primary": rec.primary_route, "routes": [route.id for route in rec.routes]}
    if rec.advice:
        expect["advice_include"] = [note.rule for note in rec.advice]
    what = {
        "rule_fired": f"rule {item} fires",
        "route_primary": f"{item} is the primary route",
        "note_shown": f"note {item} is shown",
        "rule_out_decided": f"rule-out {item} takes its route away",
    }[kind]
    return Draft(name=f"draft: {what}", facts=facts, expect=expect)


def _yaml(draft: Draft) -> list[str]:
    """A draft as a YAML list item (flow style: one line per key, as the scenario files are)."""

    def flow(value: object) -> str:
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(map(flow, value)) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
        return f'"{value}"' if value in ("yes", "no") else str(value)

    return [
        f"- name: {json.dumps(draft.name)}",
        f"  facts: {flow(draft.facts)}",
        "  expect:",
        *(f"    {key}: {flow(value)}" for key, value in draft.expect.items()),
    ]
