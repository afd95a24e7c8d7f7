"""Plain-text advice for a social worker: the primary route and what to do first, then why."""

from __future__ import annotations

import textwrap

from triage._models import Recommendation
from triage._pack import Pack

_WIDTH = 88
_STATUS_WORDS = {
    "recommended": "recommended",
    "possible": "possible - it depends on answers not yet known",
    "not_recommended": "not recommended",
}


def _wrap(text: str, indent: str = "  ", bullet: str = "- ") -> str:
    return textwrap.fill(
        " ".join(text.split()),
        width=_WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
    )


def render_text(rec: Recommendation, pack: Pack) -> str:
    """The Recommendation as text: what to do first, then the reasons, sources and open questions."""
    lines: list[str] = []
    primary = pack.route[rec.primary_route]
    lines.append(f"ADVICE TO DISCUSS, NOT A DECISION ({pack.title})")
    lines.append("")
    lines.append(f"Primary route: {primary.title}  [{primary.id}]")
    if rec.provisional:
        lines.append("  Provisional: answers still unknown could change this (see the questions below).")
    lines.append(_wrap(primary.guidance, bullet=""))
    first = rec.routes[0]
    lines.append("")
    lines.append("What to do next:")
    lines.extend(_wrap(step, bullet=f"{n}. ") for n, step in enumerate(first.next_steps, 1))
    if first.contacts:
        lines.append("Contacts:")
        lines.extend(_wrap(contact) for contact in first.contacts)

    lines.append("")
    lines.append("Why:")
    why = [rule for rule in rec.fired_rules if rule.id in first.rules]
    if not why:
        lines.append(_wrap("No rule recommends another route for these answers."))
    for rule in why:
        lines.append(_wrap(f"{pack.rule[rule.id].reason} [rule {rule.id}; source: {rule.source}]"))

    if rec.advice:
        lines.append("")
        lines.append("Notes:")
        lines.extend(_wrap(f"{note.text} [rule {note.rule}]") for note in rec.advice)

    if len(rec.routes) > 1:
        lines.append("")
        lines.append("Other routes that also apply (less urgent):")
        for route in rec.routes[1:]:
            lines.append(f"  * {route.title}  [{route.id}]")
            lines.extend(_wrap(step, indent="    ") for step in route.next_steps)
            lines.extend(
                _wrap(f"Why: {pack.rule[rule_id].reason} [rule {rule_id}]", indent="    ", bullet="")
                for rule_id in route.rules
            )

    if rec.ruled_out:
        lines.append("")
        lines.append("Ruled out:")
        lines.extend(
            _wrap(f"{pack.route[out.route].title}: {out.reason} [rule {out.rule}]") for out in rec.ruled_out
        )

    lines.append("")
    lines.append(f"{pack.route[pack.focus_route].title}: {_STATUS_WORDS[rec.rcd.status]}")
    lines.extend(_wrap(reason) for reason in rec.rcd.reasons)

    if rec.questions:
        lines.append("")
        lines.append("Questions still open (an answer could change the primary route):")
        lines.extend(
            _wrap(f"{q.question} [{q.fact}]", bullet=f"{n}. ") for n, q in enumerate(rec.questions, 1)
        )

    lines.append("")
    lines.append(textwrap.fill(rec.notice, width=_WIDTH))
    audit = rec.audit
    lines.append(
        f"Rule pack {audit.pack} {audit.pack_version} (sha256 {audit.pack_sha256[:12]}), "
        f"{audit.engine}, triage {audit.library_version}."
    )
    return "\n".join(lines)
