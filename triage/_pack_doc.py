"""`triage rules doc`: a pack as the document a committee signs off, in plain words, as Markdown or
a printable HTML page. No ids and no raw conditions: each condition is said with the pack's own
questions, its all-of and any-of kept as such, and "unknown" said as "not sure".

The document is built once as a few kinds of block (headings, paragraphs, nested lists) and then
written in either format, so the two cannot say different things.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Literal

from triage._conditions import And, Normal, Test
from triage._pack import UNKNOWN, Contact, Pack, RouteSpec, RuleSpec
from triage._wording import one_line

DocFormat = Literal["markdown", "html"]
DOC_FORMATS: tuple[DocFormat, ...] = ("markdown", "html")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Item:
    text: str
    sub: list[Items] = field(default_factory=list)


@dataclass(frozen=True)
class Items:
    items: list[Item]
    ordered: bool = False


Block = Heading | Para | Items


def pack_document(pack: Pack, fmt: DocFormat = "markdown") -> str:
    """The pack's sign-off document, as Markdown or a printable HTML page.

    >>> import triage
    >>> pack = triage.load_pack(triage.default_pack_path())
    >>> pack_document(pack).startswith(f"# {pack.title}")
    True
    """
    blocks = _blocks(pack)
    return _markdown(blocks) if fmt == "markdown" else _html(pack, blocks)


# --- what the document says -----------------------------------------------------------------


def _blocks(pack: Pack) -> list[Block]:
    blocks: list[Block] = [Heading(1, one_line(pack.title))]
    blocks.append(
        Para(" - ".join(part for part in (f"Version {pack.version}", pack.document.area or "") if part))
    )
    blocks.append(Para(one_line(pack.notice)))
    blocks.append(
        Para(
            "The advice is built from the rules below and nothing else. A route applies when one of "
            "its rules holds and none of the rules ruling it out does; the most urgent route that "
            "applies comes first. A question left unanswered counts as 'not sure'."
        )
    )
    blocks.append(Heading(2, "Routes, most urgent first"))
    for number, route in enumerate(pack.routes, start=1):
        blocks.extend(_route(pack, number, route))
    general = [rule for rule in pack.rules if rule.effect == "advice" and rule.requires_route is None]
    if general:
        blocks.append(Heading(2, "Notes shown whichever route applies"))
        blocks.append(Items([_rule_item(pack, rule, note=True) for rule in general]))
    blocks.append(Heading(2, "The questions"))
    blocks.append(Items([_question(pack, fact_id) for fact_id in pack.fact], ordered=True))
    blocks.append(Heading(2, "Sources"))
    blocks.append(
        Items(
            [
                Item(
                    one_line(source.title)
                    + ("" if source.date == UNKNOWN else f" ({source.date})")
                    + (f": {source.url}" if source.url else "")
                )
                for source in pack.sources.values()
            ]
        )
    )
    return blocks


def _route(pack: Pack, number: int, route: RouteSpec) -> list[Block]:
    kind = [
        label
        for label, holds in (
            ("safety route", route.safety),
            ("the route this advice is about", route.id == pack.focus_route),
            ("when no other route applies", route.id == pack.default_route),
        )
        if holds
    ]
    title = one_line(route.title) + (f" ({'; '.join(kind)})" if kind else "")
    blocks: list[Block] = [Heading(3, f"{number}. {title}"), Para(one_line(route.guidance))]
    recommending = [r for r in pack.rules if r.effect == "recommend" and r.route == route.id]
    ruling_out = [r for r in pack.rules if r.effect == "rule_out" and r.route == route.id]
    notes = [r for r in pack.rules if r.effect == "advice" and r.requires_route == route.id]
    if route.id == pack.default_route:
        blocks.append(Para("It applies when no other route does."))
    else:
        blocks.append(Para("It applies when any one of these holds:"))
        blocks.append(Items([_rule_item(pack, rule) for rule in recommending]))
    if ruling_out:
        blocks.append(Para("It is ruled out, even then, when any one of these holds:"))
        blocks.append(Items([_rule_item(pack, rule) for rule in ruling_out]))
    blocks.append(Para("Steps:"))
    blocks.append(Items([Item(one_line(step)) for step in route.next_steps], ordered=True))
    if route.contacts:
        blocks.append(Para("Contacts:"))
        blocks.append(Items([Item(_contact(pack, pack.contacts[c])) for c in route.contacts]))
    if notes:
        blocks.append(Para("Notes shown with this route:"))
        blocks.append(Items([_rule_item(pack, rule, note=True) for rule in notes]))
    blocks.append(Para("Rests on: " + "; ".join(pack.cite(ref) for ref in route.sources) + "."))
    return blocks


def _rule_item(pack: Pack, rule: RuleSpec, *, note: bool = False) -> Item:
    """A rule: its note (for advice), its reason and source, and when it holds."""
    reason = f"Why: {one_line(rule.reason)} ({pack.cite(rule.source)})"
    condition = _condition(pack, pack.normal[rule.id])
    if note and rule.text:
        return Item(f"Note: {one_line(rule.text)}", [Items([Item(reason), condition])])
    return Item(reason, [Items([condition])])


def _condition(pack: Pack, normal: Normal, top: bool = True) -> Item:
    """A condition in words: a test as its question and answers, all-of and any-of as such."""
    if isinstance(normal, Test):
        return Item(("When " if top else "") + _test(pack, normal))
    words = "all of these hold" if isinstance(normal, And) else "any one of these holds"
    return Item(
        ("When " if top else "") + (words if top else words.capitalize()) + ":",
        [Items([_condition(pack, part, top=False) for part in normal.parts])],
    )


def _test(pack: Pack, test: Test) -> str:
    fact = pack.fact[test.fact]
    answers = [_answer_words(answer) for answer in fact.answers if answer in test.answers]
    return f"'{one_line(fact.question)}' is answered {' or '.join(answers)}"


def _answer_words(answer: str) -> str:
    return "not sure" if answer == UNKNOWN else answer.replace("_", " ")


def _question(pack: Pack, fact_id: str) -> Item:
    fact = pack.fact[fact_id]
    details = [f"Answers: {', '.join(_answer_words(a) for a in fact.answers)}."]
    if fact.help:
        details.insert(0, one_line(fact.help))
    if fact.safety:
        details.append("A safety question: asked first, and 'not sure' is treated as a precaution.")
    return Item(one_line(fact.question), [Items([Item(text) for text in details])])


def _contact(pack: Pack, contact: Contact) -> str:
    details = ", ".join(item for item in (contact.phone, contact.email, contact.url) if item)
    dated = "" if contact.as_of == UNKNOWN else f", as of {contact.as_of}"
    named = f"{one_line(contact.name)}" + (f" ({details})" if details else "")
    return f"{named}: {one_line(contact.for_)} ({one_line(pack.sources[contact.source].title)}{dated})"


# --- writing it -------------------------------------------------------------------------------


def _markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines.extend([f"{'#' * block.level} {block.text}", ""])
        elif isinstance(block, Para):
            lines.extend([block.text, ""])
        else:
            lines.extend(_markdown_items(block, ""))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_items(items: Items, indent: str) -> list[str]:
    lines = []
    for number, item in enumerate(items.items, start=1):
        bullet = f"{number}. " if items.ordered else "- "
        lines.append(f"{indent}{bullet}{item.text}")
        for sub in item.sub:
            lines.extend(_markdown_items(sub, indent + " " * len(bullet)))
    return lines


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #111; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; } h3 { font-size: 1.1rem; }
h3 { break-after: avoid; }
li { margin: 0.15rem 0; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } h2 { break-before: auto; } }
"""


def _html(pack: Pack, blocks: list[Block]) -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{html.escape(block.text)}</p>")
        else:
            body.append(_html_items(block))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(one_line(pack.title))} (version {html.escape(pack.version)})</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _html_items(items: Items) -> str:
    tag = "ol" if items.ordered else "ul"
    inner = "".join(
        f"<li>{html.escape(item.text)}{''.join(_html_items(sub) for sub in item.sub)}</li>"
        for item in items.items
    )
    return f"<{tag}>{inner}</{tag}>"
