"""Plain-text advice for a social worker: the primary route and what to do first, then why."""

from __future__ import annotations

import platform
import textwrap

from triage._advisor import Advisor
from triage._models import Recommendation
from triage._text import STATUS_WORDS, WIDTH, contact_line, one_line, wrap
from triage._version import __version__


def _reasons(rec: Recommendation) -> dict[str, str]:
    """The reason of every rule that took effect, by rule id."""
    return {rule.id: rule.reason for rule in rec.fired_rules}


def _focus_reasons_not_shown(rec: Recommendation) -> tuple[list[str], str]:
    """The focus route's status reasons not already given under the routes or the rule-outs (say
    each reason once), and a pointer to the reasons above when some were."""
    reason = _reasons(rec)
    shown = {reason[rule] for route in rec.routes for rule in route.rules}
    shown.update(out.reason for out in rec.ruled_out)
    reasons = [text for text in rec.focus.reasons if text not in shown]
    return reasons, " (see the reasons above)" if len(reasons) < len(rec.focus.reasons) else ""


def render_text(rec: Recommendation) -> str:
    """The Recommendation as text: what to do first, then the reasons, sources and open questions.

    This is what `triage assess` prints. It needs nothing but the Recommendation.

    >>> import triage
    >>> text = render_text(triage.assess({"immediate_danger": "yes"}))
    >>> print(text.splitlines()[2])
    Primary route: Emergency response - call 999 now  [emergency_response]
    """
    lines: list[str] = []
    primary = rec.routes[0]
    lines.append(f"ADVICE TO DISCUSS, NOT A DECISION ({rec.audit.pack_title})")
    lines.append("")
    lines.append(f"Primary route: {primary.title}  [{primary.id}]")
    if rec.provisional:
        lines.append("  Provisional: answers still unknown could change this (see the questions below).")
    lines.append(wrap(primary.guidance, bullet=""))
    first = rec.routes[0]
    lines.append("")
    lines.append("What to do next:")
    lines.extend(wrap(step, bullet=f"{n}. ") for n, step in enumerate(first.next_steps, 1))
    if first.contacts:
        lines.append("Contacts:")
        lines.extend(wrap(contact_line(contact)) for contact in first.contacts)

    lines.append("")
    lines.append("Why:")
    why = [rule for rule in rec.fired_rules if rule.id in first.rules]
    if not why:
        lines.append(wrap("No rule recommends another route for these answers."))
    for rule in why:
        lines.append(wrap(f"{rule.reason} [rule {rule.id}; source: {rule.source}]"))

    if rec.advice:
        lines.append("")
        lines.append("Notes:")
        lines.extend(wrap(f"{note.text} [rule {note.rule}]") for note in rec.advice)

    if len(rec.routes) > 1:
        lines.append("")
        lines.append("Other routes that also apply (less urgent):")
        reasons = _reasons(rec)
        for route in rec.routes[1:]:
            lines.append(f"  * {route.title}  [{route.id}]")
            lines.extend(wrap(step, indent="    ") for step in route.next_steps)
            lines.extend(
                wrap(f"Why: {reasons[rule_id]} [rule {rule_id}]", indent="    ", bullet="")
                for rule_id in route.rules
            )

    if rec.ruled_out:
        lines.append("")
        lines.append("Ruled out:")
        lines.extend(wrap(f"{out.title}: {out.reason} [rule {out.rule}]") for out in rec.ruled_out)

    lines.append("")
    reasons_left, above = _focus_reasons_not_shown(rec)
    lines.append(f"{rec.focus.title}: {STATUS_WORDS[rec.focus.status]}{above}")
    lines.extend(wrap(reason) for reason in reasons_left)

    if rec.questions:
        lines.append("")
        lines.append("Questions still open (an answer could change the primary route):")
        lines.extend(
            wrap(f"{q.question} [{q.fact}]", bullet=f"{n}. ") for n, q in enumerate(rec.questions, 1)
        )

    lines.append("")
    lines.append(textwrap.fill(rec.notice, width=WIDTH))
    audit = rec.audit
    lines.append(
        f"Rule pack {audit.pack} {audit.pack_version} (sha256 {audit.pack_sha256[:12]}), "
        f"{audit.engine}, triage {audit.library_version}."
    )
    return "\n".join(lines)


def render_markdown(rec: Recommendation) -> str:
    """The Recommendation as a short Markdown record to paste into a case file.

    It holds the question asked, the answers given (known and not known apart), the advice with
    its reasons and sources, the open questions, the notice, and what produced it (pack version
    and sha256, engine, library, timestamp). Only the yes/no/unknown answers: no personal data.

    >>> import triage
    >>> record = render_markdown(triage.assess({"immediate_danger": "yes"}))
    >>> print(record.splitlines()[0])
    # Route advice for a case: advice to discuss, not a decision
    >>> "urgent medical care, now? **yes** (`immediate_danger`)" in record
    True
    """
    audit = rec.audit
    primary = rec.routes[0]
    known = [given for given in rec.answers if given.answer != "unknown"]
    unknown = [given.fact for given in rec.answers if given.answer == "unknown"]
    focus, status = rec.focus.title, STATUS_WORDS[rec.focus.status]
    lines = [
        "# Route advice for a case: advice to discuss, not a decision",
        "",
        f"> {one_line(rec.notice)}",
        "",
        f"- **Question asked:** {audit.pack_title}",
        f"- **Primary route:** {primary.title} (`{primary.id}`)"
        + (" - provisional: answers not yet known could change it." if rec.provisional else ""),
        f"- **{focus}:** {status}",
        "",
        f"## Answers given ({len(known)} of {len(audit.facts)} questions answered)",
        "",
    ]
    lines.extend(f"- {one_line(given.question)} **{given.answer}** (`{given.fact}`)" for given in known)
    if not known:
        lines.append("- None: every answer is unknown.")
    if unknown:
        names = ", ".join(f"`{fact}`" for fact in unknown)
        lines += ["", f"Not known ({len(unknown)}): {names}."]

    lines += ["", "## Advice"]
    sources, reasons = {rule.id: rule.source for rule in rec.fired_rules}, _reasons(rec)
    for rank, route in enumerate(rec.routes, 1):
        label = "primary route" if rank == 1 else "also applies, less urgent"
        lines += ["", f"### {rank}. {route.title} (`{route.id}`, {label})", "", one_line(route.guidance), ""]
        lines += ["**Next steps:**", ""]
        lines.extend(f"{n}. {one_line(step)}" for n, step in enumerate(route.next_steps, 1))
        if route.contacts:
            lines += ["", "**Contacts:**", ""]
            lines.extend(f"- {contact_line(contact)}" for contact in route.contacts)
        lines += ["", "**Why:**", ""]
        lines.extend(
            f"- {one_line(reasons[rule_id])} Source: {sources[rule_id]} (rule `{rule_id}`)"
            for rule_id in route.rules
        )
        if not route.rules:
            lines.append("- No rule recommends another route for these answers.")

    if rec.ruled_out:
        lines += ["", "### Ruled out", ""]
        lines.extend(
            f"- {out.title}: {one_line(out.reason)} Source: {sources[out.rule]} (rule `{out.rule}`)"
            for out in rec.ruled_out
        )
    reasons_left, above = _focus_reasons_not_shown(rec)
    lines += ["", f"### {focus}: {status}{above}"]
    if reasons_left:
        lines += ["", *(f"- {one_line(reason)}" for reason in reasons_left)]
    if rec.advice:
        lines += ["", "### Notes", ""]
        lines.extend(f"- {one_line(note.text)} (rule `{note.rule}`)" for note in rec.advice)

    lines += ["", "## Open questions", ""]
    if rec.questions:
        lines += ["An answer to any of these could change the primary route:", ""]
        lines.extend(f"{n}. {one_line(q.question)} (`{q.fact}`)" for n, q in enumerate(rec.questions, 1))
    else:
        lines.append("None: no answer still unknown could change the primary route.")

    lines += [
        "",
        "---",
        "",
        f"Rule pack `{audit.pack}` version {audit.pack_version}, sha256 `{audit.pack_sha256}`; "
        f"engine {audit.engine}; triage {audit.library_version}; assessed {audit.timestamp}.",
    ]
    return "\n".join(lines)


def render_version(advisor: Advisor) -> str:
    """What `triage --version` prints: the library, the pack (id, version, sha256) and the engine.

    The library and the pack have separate semantic versions (see CHANGELOG.md).

    >>> import triage
    >>> print(render_version(triage.Advisor()).splitlines()[0] == f"triage {triage.__version__}")
    True
    """
    pack = advisor.pack
    return "\n".join(
        [
            f"triage {__version__}",
            f"rule pack {pack.id} {pack.version} (sha256 {pack.sha256})",
            f"engine {advisor.engine}; Python {platform.python_version()}",
        ]
    )
