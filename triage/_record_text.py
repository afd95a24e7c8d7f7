"""The case record as plain text: what a practitioner pastes into a case file.

No markup and no ids: the date, the answers in words, the advice and what to do first, whom to
contact, the pack's title and version, and the notice. The Markdown record (with the audit part:
the pack's sha256, the engine, every answer) is `render_markdown`.
"""

from __future__ import annotations

from collections.abc import Mapping

from triage._pack import Pack
from triage._recommendation import Recommendation
from triage._wording import one_line


def render_record(rec: Recommendation, pack: Pack, answers: Mapping[str, str]) -> str:
    """The advice as a short plain-text record; `answers` are those given, in the order given.

    >>> import triage
    >>> pack = triage.load_pack(triage.default_pack_path())
    >>> rec = triage.assess({"immediate_danger": "yes"})
    >>> print(render_record(rec, pack, {"immediate_danger": "yes"}).splitlines()[3])
    Advice: ...
    """
    primary = rec.routes[0]
    lines = [
        f"Route advice for a case, {rec.audit.timestamp[:10]}",
        one_line(rec.notice),
        "",
        f"Advice: {primary.title}",
    ]
    if rec.provisional:
        lines.append("Provisional: answers not yet known could change it.")
    lines += [f"First: {one_line(step)}" for step in first_steps(rec)]
    lines += [f"Also applies: {route.title}" for route in rec.routes[1:]]
    focus = pack.short_title(pack.focus_route)
    if rec.primary_route != pack.focus_route:
        lines.append(f"{focus}: {rec.focus.status.replace('_', ' ')}")
    lines += ["", "Answers given:"]
    lines += [
        f"- {one_line(pack.fact[fact].question)} {pack.answer_words(fact, answer)}"
        for fact, answer in answers.items()
    ] or ["- none"]
    if primary.contacts:
        lines += ["", "Contacts:"]
        lines += [
            f"- {contact.name}" + (f" ({contact.role})" if contact.role else "")
            for contact in primary.contacts
        ]
    lines += ["", f"Rule pack: {pack.title}, version {pack.version}"]
    return "\n".join(lines)


def first_steps(rec: Recommendation) -> list[str]:
    """What to do first: the notes that change it, then the primary route's own first step (its
    other steps come with the rest of the advice).

    >>> import triage
    >>> rec = triage.assess({"immediate_danger": "unknown"})  # a note first: call 999 if unsure
    >>> steps = first_steps(rec)
    >>> len(steps), steps[-1] == rec.routes[0].next_steps[0]
    (2, True)
    """
    steps = []
    for step in rec.first_steps:
        steps.append(step.text)
        if step.rule is None:
            break
    return steps
