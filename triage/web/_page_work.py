"""The page's work: the answers a form carries in, the page out (HTML, or the case record).

The interview is `triage.Interview`, replayed from the answers that travel in each form (hidden
fields `answered` = 'fact=answer', in the order given): the server keeps nothing between pages,
and no answer is ever in a URL or a cookie. A page asks a group of questions when the pack
groups them; the last page leads to "check your answers", then to the advice (a safety answer
comes at once: act first). What-if and why-not are the Advisor's own calls.

The app's pool runs these functions, as it runs the API's (`_work`): they take the Advisor and a
`Place` (what the page needs of its request) and give a `Page`, and they import nothing of the
web server, so the event loop only reads forms and sends pages.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from triage._advisor import Advisor
from triage._interview import Interview
from triage._pack import Pack
from triage._reasoning_results import QuestionGroup
from triage._recommendation import Contact as RouteContact
from triage._recommendation import Recommendation
from triage._recommendation_text import render_markdown
from triage._record_text import first_steps, render_record

STATE = "answered"
"""The hidden field that carries each answer given so far, as 'fact=answer'."""
ASKING = "asking"
"""The hidden field naming each question on a question page."""

templates = Environment(
    loader=PackageLoader("triage.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Place:
    """What a page needs of its request: the root path it is served under, its own name, and the
    form's fields (None for a page no form produced, or an error: never echoed)."""

    root_path: str
    name: str
    fields: tuple[tuple[str, str], ...] | None


@dataclass(frozen=True)
class Page:
    """A page (or a file) to send: its body, status and headers."""

    body: bytes
    status: int = 200
    media_type: str | None = "text/html"
    headers: tuple[tuple[str, str], ...] = ()


def pickled(advisor: Advisor, making: Callable[[Advisor, Place], Page], place: Place) -> bytes:
    """The page `making` makes, as the pool carries answers back: bytes (the Page pickled, for the
    server that asked)."""
    return pickle.dumps(making(advisor, place))


def render(pack: Pack, place: Place, template: str, status: int = 200, **context: Any) -> Page:
    html = templates.get_template(template).render(
        pack=pack,
        state_field=STATE,
        root_path=place.root_path,
        # The fields that produced this page, for the browser's Back button (see static/app.js).
        this_page=(place.name, place.fields),
        **context,
    )
    return Page(html.encode(), status)


def given_answers(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answers a form carries, in their order, as (fact, answer)."""
    return [(value.partition("=")[0], value.partition("=")[2]) for name, value in fields if name == STATE]


def replay(advisor: Advisor, answers: Sequence[tuple[str, str]]) -> Interview:
    """The interview with these answers given again in their order (a fact twice is an error)."""
    interview = Interview(advisor)
    for fact, answer in answers:
        interview.answer(fact, answer)
    return interview


def interview_of(advisor: Advisor, place: Place) -> Interview:
    return replay(advisor, given_answers(place.fields or ()))


def words(pack: Pack, fact: str, answer: str) -> str:
    """An answer as the page shows and prints it: Yes, No, Not sure, or the pack's words."""
    return pack.answer_words(fact, answer)


templates.globals["words"] = words
templates.globals["first_steps"] = first_steps


def asked_rows(interview: Interview) -> list[tuple[str, str, str]]:
    """The questions answered, in the order answered: (fact, question, answer in words)."""
    pack = interview.advisor.pack
    return [
        (fact, pack.fact[fact].question, words(pack, fact, answer))
        for fact, answer in interview.answers.items()
    ]


def last_page(interview: Interview) -> list[str]:
    """The facts answered on the last question page, found by asking the pages again in order;
    answers given in another order (after a what-if) count a page each."""
    answers = list(interview.answers.items())
    again = Interview(interview.advisor)
    taken: list[str] = []
    index = 0
    while index < len(answers):
        group = again.next_questions()
        on_page = {question.fact for question in group.questions} if group else set()
        taken = []
        while index < len(answers) and answers[index][0] in on_page:
            taken.append(answers[index][0])
            again.answer(*answers[index])
            index += 1
        if not taken:
            taken = [answers[index][0]]
            again.answer(*answers[index])
            index += 1
    return taken


def question(advisor: Advisor, place: Place) -> Page:
    """Start, answer the questions asked (or change one answer), or go back a page; then the next
    page of questions, or check your answers when none is left."""
    fields = place.fields or ()
    answers = given_answers(fields)
    interview = replay(advisor, answers)
    form = dict(fields)
    if "back" in form:
        if not interview.asked:
            return Page(b"", 303, None, (("location", place.root_path + "/"),))
        undone = last_page(interview)
        interview = replay(advisor, [(fact, answer) for fact, answer in answers if fact not in undone])
        group = interview.next_questions()
        if group is None:  # answers given out of the interview's order: nothing to ask again
            return check_page(place, interview)
        return question_page(place, interview, group, chosen=dict(answers))
    if "change" in form:
        fact = form["change"]
        return question_page(place, interview, single(interview, fact), chosen=dict(answers), changing=True)
    asking = [value for name, value in fields if name == ASKING]
    if asking:
        group = QuestionGroup(
            title=advisor.pack.group_of[asking[0]].title if len(asking) > 1 else "",
            questions=tuple(interview.question(fact) for fact in asking),
        )
        missing = [fact for fact in asking if fact not in form]
        if missing:
            chosen = {**dict(answers), **{fact: form[fact] for fact in asking if fact in form}}
            changing = len(asking) == 1 and asking[0] in interview.answers
            return question_page(place, interview, group, chosen=chosen, missing=missing, changing=changing)
        # A changed answer keeps its place; a new one goes at the end.
        new = {fact: form[fact] for fact in asking}
        kept = [(fact, new.pop(fact, answer)) for fact, answer in answers]
        interview = replay(advisor, [*kept, *new.items()])
    following = interview.next_questions()
    if following is None:
        return finished(place, interview)
    return question_page(place, interview, following)


def single(interview: Interview, fact: str) -> QuestionGroup:
    return QuestionGroup(title="", questions=(interview.question(fact),))


def finished(place: Place, interview: Interview) -> Page:
    """No question left: check your answers, or the advice at once when it is a safety route."""
    rec = interview.recommendation()
    if interview.advisor.pack.route[rec.primary_route].safety:
        return answer_page(place, interview, rec)
    return check_page(place, interview)


def question_page(
    place: Place,
    interview: Interview,
    group: QuestionGroup,
    *,
    chosen: dict[str, str] | None = None,
    missing: Sequence[str] = (),
    changing: bool = False,
) -> Page:
    answers = interview.answers  # a changed answer stays in the form: it is replaced in its place
    return render(
        interview.advisor.pack,
        place,
        "question.html",
        status=422 if missing else 200,
        group=group,
        number=len(answers) + 1,
        answers=answers,
        chosen=chosen or {},
        missing=missing,
        changing=changing,
    )


def check(advisor: Advisor, place: Place) -> Page:
    return check_page(place, interview_of(advisor, place))


def check_page(place: Place, interview: Interview) -> Page:
    """Check your answers: each question answered, in words, with a Change button."""
    return render(
        interview.advisor.pack, place, "check.html", rows=asked_rows(interview), answers=interview.answers
    )


def advice(advisor: Advisor, place: Place) -> Page:
    interview = interview_of(advisor, place)
    return answer_page(place, interview, interview.recommendation())


def answer_page(place: Place, interview: Interview, rec: Recommendation) -> Page:
    pack = interview.advisor.pack
    could_change = {question.fact for question in rec.questions}
    not_sure = [
        (fact, pack.fact[fact].question)
        for fact, answer in interview.answers.items()
        if answer == "unknown" and fact in could_change
    ]
    others = [route for route in pack.routes if route.id != rec.primary_route]
    # The why-not list starts on the route people ask about, never on a safety route.
    default_why = next(
        (route.id for route in others if route.id == pack.focus_route),
        next((route.id for route in others if not route.safety), others[0].id if others else ""),
    )
    return render(
        pack,
        place,
        "answer.html",
        rec=rec,
        urgent=pack.route[rec.primary_route].safety,
        answers=interview.answers,
        rows=asked_rows(interview),
        not_sure=not_sure,
        more=interview.next_questions() is not None,
        record=render_record(rec, pack, interview.answers),
        others=others,
        default_why=default_why,
        focus_short=pack.short_title(pack.focus_route),
        contacts=[contact_parts(item) for item in rec.routes[0].contacts],
    )


def contact_parts(contact: RouteContact) -> dict[str, Any]:
    """A contact as the page shows it: its name in parts, each email a mailto: link and each
    phone number a tel: link (inside the name where the name holds it), and whether it has a way
    to reach it at all (the page then says where to find one, never a made-up number)."""
    links = [
        (value, href)
        for value, href in (
            (contact.email, f"mailto:{contact.email}"),
            (contact.phone, tel(contact.phone)),
            (contact.url, contact.url),
        )
        if value
    ]
    parts: list[tuple[str, str]] = [(contact.name, "")]
    extra = []
    for value, href in links:
        text, _ = parts[-1]
        if value in text:
            before, _, after = text.partition(value)
            parts[-1:] = [(before, ""), (value, href), (after, "")]
        else:
            extra.append((value, href))
    return {
        "parts": [part for part in parts if part[0]],
        "extra": extra,
        "role": contact.role,
        "as_of": "" if contact.as_of == "unknown" else contact.as_of,
        "reachable": bool(links),
    }


def tel(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def record(advisor: Advisor, place: Place) -> Page:
    """The Markdown case record, as a file to download (the form carries the answers)."""
    interview = interview_of(advisor, place)
    text = render_markdown(interview.recommendation(), tuple(interview.answers))
    return Page(
        (text + "\n").encode(),
        media_type="text/markdown; charset=utf-8",
        headers=(("content-disposition", 'attachment; filename="case-record.md"'),),
    )


def change(advisor: Advisor, place: Place) -> Page:
    """What-if, step 1: the questions answered and those still open, to change any of them."""
    interview = interview_of(advisor, place)
    pack = advisor.pack
    shown = set(interview.answers) | {question.fact for question in interview.recommendation().questions}
    facts = [fact for fact in pack.facts if fact.id in shown]
    return render(pack, place, "change.html", answers=interview.answers, facts=facts)


def what_if(advisor: Advisor, place: Place) -> Page:
    """What-if, step 2: the advice before and after the answers changed."""
    interview = interview_of(advisor, place)
    fields = place.fields or ()
    current = interview.case()
    changes = {name: value for name, value in fields if name in advisor.pack.fact and value != current[name]}
    result = advisor.what_if(interview.answers, changes)
    after = {**interview.answers, **changes}
    return render(
        advisor.pack,
        place,
        "what_if.html",
        result=result,
        answers=interview.answers,
        after_answers=after,
        changes=[
            (
                advisor.pack.fact[fact].question,
                words(advisor.pack, fact, current[fact]),
                words(advisor.pack, fact, new),
            )
            for fact, new in changes.items()
        ],
    )


def why_not(advisor: Advisor, place: Place) -> Page:
    """Why a route is or is not recommended, in sentences about the questions answered or still
    open only (never about a question that was not asked because it cannot matter)."""
    interview = interview_of(advisor, place)
    route = dict(place.fields or ()).get("route", "")  # the server checked that one was chosen
    pack = advisor.pack
    result = advisor.why_not(interview.answers, route)
    still_open = set(interview.open_facts())
    lines = []
    for check in result.rules:
        if check.fired:
            continue
        parts = []
        for test in check.failed:
            question = pack.fact[test.fact].question
            if test.fact in interview.answers:
                needed = " or ".join(words(pack, test.fact, answer) for answer in test.needed)
                parts.append(
                    f"you answered \u201c{question}\u201d {words(pack, test.fact, test.given)}, not {needed}"
                )
            elif test.fact in still_open:
                parts.append(f"\u201c{question}\u201d is not answered yet")
        if parts:
            lines.append((check.reason, parts))
    return render(
        pack,
        place,
        "why_not.html",
        result=result,
        lines=lines,
        short=pack.short_title(route),
        answers=interview.answers,
    )
