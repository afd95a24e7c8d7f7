"""Plain-text advice for a social worker: the primary route and what to do first, then why."""

from __future__ import annotations

import platform
from collections.abc import Callable, Collection, Iterator

from triage._advisor import Advisor
from triage._recommendation import Recommendation
from triage._version import __version__
from triage._wording import STATUS_WORDS, WIDTH, contact_line, contact_name, one_line, wrap


def _reasons(rec: Recommendation) -> dict[str, str]:
    """The reason of every rule that took effect, by rule id."""
    return {rule.id: rule.reason for rule in rec.fired_rules}


def _cited(rec: Recommendation) -> dict[str, str]:
    """ "[rule ID; source: SOURCE]" for every rule that took effect, by rule id: every reason and
    note the text shows carries its source."""
    return {rule.id: f"[rule {rule.id}; source: {rule.source}]" for rule in rec.fired_rules}


def _note_route(rec: Recommendation) -> dict[str, str | None]:
    """The route each advice note belongs to (None for a note on any route), by rule id."""
    return {rule.id: rule.route for rule in rec.fired_rules if rule.effect == "advice"}


def _focus_reasons_not_shown(rec: Recommendation) -> tuple[list[str], str]:
    """The focus route's status reasons not already given under the routes or the rule-outs (say
    each reason once), and a pointer to the reasons above when some were."""
    reason = _reasons(rec)
    shown = {reason[rule] for route in rec.routes for rule in route.rules}
    shown.update(out.reason for out in rec.ruled_out)
    reasons = [text for text in rec.focus.reasons if text not in shown]
    return reasons, " (see the reasons above)" if len(reasons) < len(rec.focus.reasons) else ""


FIRST_STEPS = 3
"""How many of the primary route's next steps the first screen shows (the rest follow below)."""
CHANGES_WORDS = {
    "primary_route": "could change the primary route",
    "focus_route": "could change whether {focus} applies",
    "next_steps": "could change the next steps",
}
"""What an open question could change (`OpenQuestion.changes`), in words."""


def _opening(text: str, words: int = 6) -> str:
    """The first few words of a note, to name it beside its source."""
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def render_text(rec: Recommendation, width: int = WIDTH) -> str:
    """The Recommendation as text, wrapped to `width` columns, never inside a word.

    The first lines hold the concrete action: the primary route, then its first steps (the notes
    that change what to do first, then the route's own steps). The first screen (24 lines of 80
    columns) also holds whether it is provisional, the first contact, what the route is for, the
    first open question and the other notes on that route. Then the reasons with their sources, the
    rest of the steps and contacts, the other notes, the other routes, all open questions and the
    versions. A safety route's answer is at most a screen: what to do now, whom to contact, why,
    and the focus route (RCD) in one line. This is what `triage assess` prints. It needs nothing
    but the Recommendation.

    >>> import triage
    >>> text = render_text(triage.assess({"immediate_danger": "yes"}))
    >>> for line in text.splitlines()[:3]:
    ...     print(line)
    Primary route: ...
    Do now:
    1. ...
    """

    def para(text: str, indent: str = "  ", bullet: str = "") -> str:
        return wrap(text, indent=indent, bullet=bullet, width=width)

    audit = rec.audit
    if rec.routes[0].safety:
        # The action comes before the notice, and the answer stays within a screen.
        lines = list(_safety_answer(rec, para))
        lines.append(para(f"{rec.notice} (Rule pack {audit.pack} {audit.pack_version}.)", indent=""))
        return "\n".join(lines)
    lines = ["ADVICE TO DISCUSS, NOT A DECISION", *_full_answer(rec, para)]
    lines += [
        para(rec.notice, indent=""),
        para(
            f"Pack {audit.pack} {audit.pack_version} (sha256 {audit.pack_sha256[:12]}); "
            f"{audit.engine}; triage {audit.library_version}",
            indent="",
        ),
    ]
    return "\n".join(lines)


def _safety_answer(rec: Recommendation, para: Callable[..., str]) -> Iterator[str]:
    """A safety route's answer, short enough for one screen: what to do now and whom to contact,
    the question that could change it, the focus route in one line, and why, with the sources.
    Its other notes and routes' details wait for the JSON and the record: act first."""
    primary = rec.routes[0]
    yield para(f"Primary route: {primary.title}", indent="")  # in words alone: one line
    yield "Do now:"
    # Flush left, to keep every line it can for the action.
    yield from (para(step.text, indent="", bullet=f"{n}. ") for n, step in enumerate(rec.first_steps, 1))
    if primary.contacts:
        names = "; ".join(contact_name(contact) for contact in primary.contacts)
        yield para(names, indent="", bullet="Contacts: ")
    if rec.questions:  # only a question that could change the primary route is left open here
        question = rec.questions[0]
        yield para(f"{question.question} [{question.fact}]", indent="", bullet="Provisional until answered: ")
    # The route's other notes (why it is precautionary, say), flush left as well.
    in_steps = {step.rule for step in rec.first_steps}
    note_route = _note_route(rec)
    yield from (
        para(note.text, indent="", bullet="Note: ")
        for note in rec.advice
        if note_route[note.rule] == primary.id and note.rule not in in_steps
    )
    focus = rec.focus
    status = "recommended, after this" if focus.status == "recommended" else "not now: act on this first"
    yield para(f"{focus.title}: {status}.", indent="")
    why = [rule for rule in rec.fired_rules if rule.id in primary.rules]
    yield para(" ".join(f"{rule.reason} (source: {rule.source})" for rule in why), indent="", bullet="Why: ")
    # The other routes by their titles alone (the focus route has its own line above).
    others = [route.title for route in rec.routes[1:] if route.id != focus.route]
    if others:
        yield para(f"After this, also: {'; '.join(others)}.", indent="", bullet="")


def _full_answer(rec: Recommendation, para: Callable[..., str]) -> Iterator[str]:
    """The answer of a route that is not a safety route: the first screen, then why and the rest."""
    primary = rec.routes[0]
    note_route, cited = _note_route(rec), _cited(rec)
    in_steps = {step.rule for step in rec.first_steps}
    own = [note for note in rec.advice if note_route[note.rule] == primary.id]
    yield para(f"Primary route: {primary.title} [{primary.id}]", indent="")
    yield "First steps:"
    yield from (para(step.text, bullet=f"{n}. ") for n, step in enumerate(rec.first_steps[:FIRST_STEPS], 1))
    yield from (para(contact_line(contact), bullet="Contact: ") for contact in primary.contacts[:1])
    if rec.provisional:
        yield para("Provisional: answers not yet known could change it (see the first question).")
    yield para(primary.guidance)
    if rec.questions:
        question = rec.questions[0]
        yield para(f"{question.question} [{question.fact}]", indent="", bullet="First open question: ")
    else:
        yield para("Open questions: none (no answer still unknown could change this advice).", indent="")
    # The notes on the route that the first steps do not already hold.
    yield from (para(note.text, bullet="Note: ") for note in own if note.rule not in in_steps)

    yield from ("", "Why (reasons and sources):")
    reasons = [f"{rule.reason} {cited[rule.id]}" for rule in rec.fired_rules if rule.id in primary.rules]
    yield from (para(reason, bullet="- ") for reason in reasons)
    if not reasons:
        yield para("No rule recommends another route for these answers.", bullet="- ")
    # The notes shown above, in the first steps or after the first question, with their sources.
    noted = [note for note in rec.advice if note.rule in in_steps or note in own]
    yield from (para(f"The note '{_opening(note.text)}' {cited[note.rule]}", bullet="- ") for note in noted)
    yield from _details(rec, para)
    if len(rec.questions) > 1:
        focus = rec.focus.title
        yield from ("", f"All open questions ({len(rec.questions)}), in the order to ask them:")
        yield from (
            para(f"{q.question} [{q.fact}; {CHANGES_WORDS[q.changes].format(focus=focus)}]", bullet=f"{n}. ")
            for n, q in enumerate(rec.questions, 1)
        )
    yield ""


def _details(rec: Recommendation, para: Callable[..., str]) -> Iterator[str]:
    """What follows the reasons of a route that is not a safety route: the rest of its steps and
    contacts, the other notes, the other routes, the rule-outs and the focus route's status."""
    first = rec.routes[0]
    more_steps = rec.first_steps[FIRST_STEPS:]
    if more_steps or first.contacts[1:]:
        yield from ("", "More next steps and contacts:")
        yield from (para(step.text, bullet=f"{n}. ") for n, step in enumerate(more_steps, FIRST_STEPS + 1))
        yield from (para(contact_line(contact), bullet="Contact: ") for contact in first.contacts[1:])
    note_route, reason, cited = _note_route(rec), _reasons(rec), _cited(rec)
    in_steps = {step.rule for step in rec.first_steps}
    others = [
        note
        for note in rec.advice
        if note_route[note.rule] != rec.primary_route and note.rule not in in_steps
    ]
    if others:
        yield from ("", "Other notes:")
        yield from (para(f"{note.text} {cited[note.rule]}", bullet="- ") for note in others)
    if len(rec.routes) > 1:
        yield from ("", "Other routes that also apply (less urgent):")
        for route in rec.routes[1:]:
            yield para(f"{route.title} [{route.id}]", bullet="* ")
            yield from (para(step, indent="    ", bullet="- ") for step in route.next_steps)
            yield from (
                para(f"Why: {reason[rule_id]} {cited[rule_id]}", indent="    ") for rule_id in route.rules
            )
    if rec.ruled_out:
        yield from ("", "Ruled out:")
        yield from (
            para(f"{out.title}: {out.reason} {cited[out.rule]}", bullet="- ") for out in rec.ruled_out
        )
    reasons, above = _focus_reasons_not_shown(rec)
    yield ""
    yield para(f"{rec.focus.title}: {STATUS_WORDS[rec.focus.status]}{above}", indent="")
    yield from (para(reason, bullet="- ") for reason in reasons)


def render_markdown(rec: Recommendation, answered: Collection[str] = ()) -> str:
    """The Recommendation as a short Markdown record to paste into a case file.

    It holds the question asked, the answers given (known and not known apart), the advice with
    its reasons and sources, the open questions, the notice, and what produced it (pack version
    and sha256, engine, library, timestamp). Only the yes/no/unknown answers: no personal data.
    Facts in `answered` (an interview's answers) answered unknown are listed in words as 'not sure'.

    >>> import triage
    >>> record = render_markdown(triage.assess({"immediate_danger": "yes"}))
    >>> print(record.splitlines()[0])
    # Route advice for a case: advice to discuss, not a decision
    >>> "urgent medical care, now? **yes** (`immediate_danger`)" in record
    True
    """
    audit = rec.audit
    primary = rec.routes[0]
    question = {given.fact: given.question for given in rec.answers}
    known = [
        (fact, answer if answer != "unknown" else "not sure")
        for fact, answer in audit.facts.items()
        if answer != "unknown" or fact in answered
    ]
    unknown = [fact for fact, answer in audit.facts.items() if answer == "unknown" and fact not in answered]
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
    lines.extend(f"- {one_line(question[fact])} **{answer}** (`{fact}`)" for fact, answer in known)
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
