"""Plain text of the reasoning tools for a social worker: what-if side by side, the smallest
changes that would change the advice, and why (not) a route."""

from __future__ import annotations

import itertools
import textwrap

from triage._reasoning_results import Alternatives, WhatIf, WhyNot
from triage._recommendation import Recommendation
from triage._wording import STATUS_WORDS, WIDTH, answer_change, wrap

_COLUMNS = (18, 29, 29)
"""The what-if table's columns: label, before, after, two spaces apart (80 columns in all)."""


def _row(*cells: str) -> list[str]:
    """One table row: each cell wrapped to its column, the columns side by side."""
    wrapped = [textwrap.wrap(cell, width) or [""] for cell, width in zip(cells, _COLUMNS, strict=True)]
    return [
        "  ".join(part.ljust(width) for part, width in zip(parts, _COLUMNS, strict=True)).rstrip()
        for parts in itertools.zip_longest(*wrapped, fillvalue="")
    ]


def _titles(titles: list[str]) -> str:
    return "; ".join(titles) or "-"


def _column(rec: Recommendation) -> list[str]:
    count = len(rec.questions)
    return [
        rec.routes[0].title,
        _titles([route.title for route in rec.routes[1:]]),
        _titles(list(dict.fromkeys(out.title for out in rec.ruled_out))),
        STATUS_WORDS[rec.focus.status],
        "yes" if rec.provisional else "no",
        f"{count} question{'' if count == 1 else 's'}" if count else "none",
    ]


def _rule_change(rec: Recommendation, rule_id: str, *, now: bool) -> str:
    """A rule that took effect in `rec` (now) or no longer does (`rec` is the advice before)."""
    rule = next(rule for rule in rec.fired_rules if rule.id == rule_id)
    if rule.effect == "rule_out":
        title = next(out.title for out in rec.ruled_out if out.rule == rule_id)
        head = f"Now rules out {title}" if now else f"No longer rules out {title}"
        return f"{head}: {rule.reason} [rule {rule.id}]"
    if rule.effect == "advice":
        text = next(note.text for note in rec.advice if note.rule == rule_id)
        return f"{'New note' if now else 'Note dropped'}: {text} [rule {rule.id}]"
    return f"{'Now applies' if now else 'No longer applies'}: {rule.reason} [rule {rule.id}]"


def _route_titles(*recs: Recommendation) -> dict[str, str]:
    return {route.id: route.title for rec in recs for route in rec.routes}


def _heading(text: str) -> str:
    """A heading line, wrapped to the width with its later lines indented (a long title or pack
    name would run past 80 columns)."""
    return wrap(text, indent="", bullet="", hang="  ")


def render_what_if(result: WhatIf) -> str:
    """Before and after side by side, then what changed and why."""
    before, after, changed = result.before, result.after, result.changed
    title = after.audit.pack_title
    lines = [_heading(f"WHAT IF - advice to discuss, not a decision ({title})"), "", "Changed answers:"]
    edits = [
        answer_change(old.question, old.fact, old.answer, new.answer)
        for old, new in zip(before.answers, after.answers, strict=True)
        if old.answer != new.answer
    ]
    lines.extend(wrap(edit) for edit in edits or ["none (the answers are the same)"])
    lines.append("")
    labels = [
        "Primary route",
        "Also recommended",
        "Ruled out",
        after.focus.title,
        "Provisional",
        "Open questions",
    ]
    lines.extend(_row("", "BEFORE", "AFTER"))
    for label, old, new in zip(labels, _column(before), _column(after), strict=True):
        lines.extend(_row(label, old, new))
    lines.append("")
    lines.append("What changed:")
    said: list[str] = []
    titles = _route_titles(before, after)
    if changed.primary_route:
        said.append(
            f"The primary route changes from {titles[before.primary_route]} to {titles[after.primary_route]}."
        )
    else:
        said.append(f"The primary route stays {titles[after.primary_route]}.")
    if changed.routes_added:
        said.append(f"Now recommended: {_titles([titles[route] for route in changed.routes_added])}.")
    if changed.routes_removed:
        said.append(f"No longer recommended: {_titles([titles[route] for route in changed.routes_removed])}.")
    said.extend(_rule_change(after, rule, now=True) for rule in changed.rules_fired)
    said.extend(_rule_change(before, rule, now=False) for rule in changed.rules_unfired)
    lines.extend(wrap(text) for text in said)
    lines.append("")
    lines.append(textwrap.fill(after.notice, width=WIDTH))
    return "\n".join(lines)


def render_alternatives(result: Alternatives) -> str:
    """The smallest changes of answers that would give another primary route, numbered."""
    max_changes = result.max_changes
    given = {answer.fact: answer for answer in result.answers}
    lines = [
        _heading(f"WHAT WOULD CHANGE THE ADVICE - advice to discuss, not a decision ({result.pack_title})"),
        "",
        _heading(f"Primary route now: {result.title}  [{result.primary_route}]"),
        "",
    ]
    if not result.alternatives:
        lines.append(f"No change of up to {max_changes} answers would give another primary route.")
    else:
        lines.append(
            _heading(
                f"Smallest changes of answers (up to {max_changes} fact{'' if max_changes == 1 else 's'}) "
                "that would give another primary route:"
            )
        )
    for number, alternative in enumerate(result.alternatives, 1):
        under = "  " + " " * len(f"{number}. ")
        changes = [
            answer_change(given[fact].question, fact, given[fact].answer, answer)
            for fact, answer in alternative.set.items()
        ]
        lines.append(wrap(changes[0], bullet=f"{number}. "))
        lines.extend(wrap(f"and: {change}", indent=under, bullet="") for change in changes[1:])
        route = alternative.primary_route
        lines.append(wrap(f"=> {alternative.title}  [{route}]", indent=under, bullet=""))
    lines.append("")
    lines.append(textwrap.fill(result.notice, width=WIDTH))
    return "\n".join(lines)


def render_why_not(result: WhyNot) -> str:
    """Why a route is (not) recommended, in plain words."""
    verdict = "RECOMMENDED" if result.recommended else "NOT RECOMMENDED"
    lines = [
        _heading(f"WHY (NOT): {result.title}  [{result.route}] - {verdict}"),
        _heading(f"Primary route for these answers: {result.primary_title}  [{result.primary_route}]"),
        "",
    ]
    lines.extend(wrap(text) for text in result.explanation)
    lines.append("")
    lines.append(textwrap.fill(result.notice, width=WIDTH))
    return "\n".join(lines)
