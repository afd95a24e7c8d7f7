"""Plain text of the reasoning tools for a social worker: what-if side by side, the smallest
changes that would change the advice, and why (not) a route."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping

from triage._models import Recommendation
from triage._pack import Pack
from triage._results import Alternatives, WhatIf, WhyNot
from triage._text import STATUS_WORDS, WIDTH, answer_change, wrap

_COLUMNS = (20, 33, 33)


def _row(*cells: str) -> list[str]:
    """One table row: each cell wrapped to its column, the columns side by side."""
    wrapped = [textwrap.wrap(cell, width) or [""] for cell, width in zip(cells, _COLUMNS, strict=True)]
    return [
        "  ".join(part.ljust(width) for part, width in zip(parts, _COLUMNS, strict=True)).rstrip()
        for parts in itertools.zip_longest(*wrapped, fillvalue="")
    ]


def _titles(pack: Pack, routes: list[str]) -> str:
    return "; ".join(pack.route[route].title for route in routes) or "-"


def _column(rec: Recommendation, pack: Pack) -> list[str]:
    count = len(rec.questions)
    return [
        pack.route[rec.primary_route].title,
        _titles(pack, [route.id for route in rec.routes[1:]]),
        _titles(pack, list(dict.fromkeys(out.route for out in rec.ruled_out))),
        STATUS_WORDS[rec.rcd.status],
        "yes" if rec.provisional else "no",
        f"{count} question{'' if count == 1 else 's'}" if count else "none",
    ]


def _rule_change(pack: Pack, rule_id: str, *, now: bool) -> str:
    rule = pack.rule[rule_id]
    if rule.effect == "rule_out":
        title = pack.route[rule.route or ""].title
        head = f"Now rules out {title}" if now else f"No longer rules out {title}"
        return f"{head}: {rule.reason} [rule {rule.id}]"
    if rule.effect == "advice":
        return f"{'New note' if now else 'Note dropped'}: {rule.text} [rule {rule.id}]"
    return f"{'Now applies' if now else 'No longer applies'}: {rule.reason} [rule {rule.id}]"


def render_what_if(result: WhatIf, pack: Pack) -> str:
    """Before and after side by side, then what changed and why."""
    before, after, changed = result.before, result.after, result.changed
    lines = [f"WHAT IF - advice to discuss, not a decision ({pack.title})", "", "Changed answers:"]
    edits = [
        answer_change(pack, fact, answer, after.audit.facts[fact])
        for fact, answer in before.audit.facts.items()
        if after.audit.facts[fact] != answer
    ]
    lines.extend(wrap(edit) for edit in edits or ["none (the answers are the same)"])
    lines.append("")
    labels = [
        "Primary route",
        "Also recommended",
        "Ruled out",
        pack.route[pack.focus_route].title,
        "Provisional",
        "Open questions",
    ]
    lines.extend(_row("", "BEFORE", "AFTER"))
    for label, old, new in zip(labels, _column(before, pack), _column(after, pack), strict=True):
        lines.extend(_row(label, old, new))
    lines.append("")
    lines.append("What changed:")
    said: list[str] = []
    if changed.primary_route:
        said.append(
            f"The primary route changes from {pack.route[before.primary_route].title} "
            f"to {pack.route[after.primary_route].title}."
        )
    else:
        said.append(f"The primary route stays {pack.route[after.primary_route].title}.")
    if changed.routes_added:
        said.append(f"Now recommended: {_titles(pack, changed.routes_added)}.")
    if changed.routes_removed:
        said.append(f"No longer recommended: {_titles(pack, changed.routes_removed)}.")
    said.extend(_rule_change(pack, rule, now=True) for rule in changed.rules_fired)
    said.extend(_rule_change(pack, rule, now=False) for rule in changed.rules_unfired)
    lines.extend(wrap(text) for text in said)
    lines.append("")
    lines.append(textwrap.fill(after.notice, width=WIDTH))
    return "\n".join(lines)


def render_alternatives(result: Alternatives, pack: Pack, case: Mapping[str, str], max_changes: int) -> str:
    """The smallest changes of answers that would give another primary route, numbered."""
    lines = [
        f"WHAT WOULD CHANGE THE ADVICE - advice to discuss, not a decision ({pack.title})",
        "",
        f"Primary route now: {pack.route[result.primary_route].title}  [{result.primary_route}]",
        "",
    ]
    if not result.alternatives:
        lines.append(f"No change of up to {max_changes} answers would give another primary route.")
    else:
        lines.append(
            f"Smallest changes of answers (up to {max_changes} fact{'' if max_changes == 1 else 's'}) "
            "that would give another primary route:"
        )
    for number, alternative in enumerate(result.alternatives, 1):
        under = "  " + " " * len(f"{number}. ")
        changes = [answer_change(pack, fact, case[fact], answer) for fact, answer in alternative.set.items()]
        lines.append(wrap(changes[0], bullet=f"{number}. "))
        lines.extend(wrap(f"and: {change}", indent=under, bullet="") for change in changes[1:])
        route = alternative.primary_route
        lines.append(wrap(f"=> {pack.route[route].title}  [{route}]", indent=under, bullet=""))
    lines.append("")
    lines.append(textwrap.fill(pack.notice, width=WIDTH))
    return "\n".join(lines)


def render_why_not(result: WhyNot, pack: Pack) -> str:
    """Why a route is (not) recommended, in plain words."""
    verdict = "RECOMMENDED" if result.recommended else "NOT RECOMMENDED"
    primary = pack.route[result.primary_route]
    lines = [
        f"WHY (NOT): {result.title}  [{result.route}] - {verdict}",
        f"Primary route for these answers: {primary.title}  [{primary.id}]",
        "",
    ]
    lines.extend(wrap(text) for text in result.explanation)
    lines.append("")
    lines.append(textwrap.fill(pack.notice, width=WIDTH))
    return "\n".join(lines)
