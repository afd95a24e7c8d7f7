"""The page for practitioners: server-rendered HTML that works with JavaScript off.

The interview is `triage.Interview`, replayed from the answers that travel in each form (hidden
fields `answered` = 'fact=answer', in the order given): the server keeps nothing between pages,
and no answer is ever in a URL or a cookie. A page asks a group of questions when the pack
groups them; the last page leads to "check your answers", then to the advice (a safety answer
comes at once: act first). What-if and why-not are the Advisor's own calls.

The browser's Back button: every page is the answer to a form, so each page also carries the
fields that produced it, and the script keeps them in the browser's own history entry; going
back asks again with them (see static/app.js). Without the script, the page's Back buttons work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from triage._advisor import Advisor
from triage._interview import Interview
from triage._pack import Pack
from triage._reasoning_results import QuestionGroup
from triage._recommendation import Contact as RouteContact
from triage._recommendation import Recommendation
from triage._recommendation_text import render_markdown
from triage._record_text import first_steps, render_record
from triage.web._body import RequestError, read_form

STATE = "answered"
"""The hidden field that carries each answer given so far, as 'fact=answer'."""
ASKING = "asking"
"""The hidden field naming each question on a question page."""

page_router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=PackageLoader("triage.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    advisor: Advisor = request.app.state.advisor
    html = templates.get_template(template).render(
        pack=advisor.pack,
        state_field=STATE,
        root_path=request.scope.get("root_path", ""),
        # The fields that produced this page, for the browser's Back button (see the module doc).
        this_page=(request.url.path.rsplit("/", 1)[-1], getattr(request.state, "fields", None)),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """An error as a page: what went wrong in one line, and a way back to the start."""
    request.state.fields = None  # never echo a refused form, nor keep it for the Back button
    return page(request, "error.html", status=status, status_code=status, message=message)


def given_answers(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answers a form carries, in their order, as (fact, answer)."""
    return [(value.partition("=")[0], value.partition("=")[2]) for name, value in fields if name == STATE]


def replay(advisor: Advisor, answers: Sequence[tuple[str, str]]) -> Interview:
    """The interview with these answers given again in their order (a fact twice is an error)."""
    interview = Interview(advisor)
    for fact, answer in answers:
        interview.answer(fact, answer)
    return interview


async def form_of(request: Request) -> list[tuple[str, str]]:
    fields = await read_form(request, repeatable=(STATE, ASKING))
    request.state.fields = fields
    return fields


async def interview_of(request: Request) -> tuple[Interview, list[tuple[str, str]]]:
    fields = await form_of(request)
    return replay(request.app.state.advisor, given_answers(fields)), fields


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


@page_router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    advisor: Advisor = request.app.state.advisor
    return page(request, "start.html", focus_short=advisor.pack.short_title(advisor.pack.focus_route))


@page_router.get("/{name}", response_class=HTMLResponse)
async def going_back(request: Request, name: str) -> HTMLResponse:
    """A page the browser asks for again (Back, or reload): the answers are not kept anywhere, so
    the script sends again the fields kept in the browser's history entry, if it has them."""
    if name not in ("question", "check", "advice", "change", "what-if", "why-not"):
        return render_error(request, 404, "no such page")
    return page(request, "going_back.html")


@page_router.post("/question", response_class=HTMLResponse)
async def question(request: Request) -> Response:
    """Start, answer the questions asked (or change one answer), or go back a page; then the next
    page of questions, or check your answers when none is left."""
    fields = await form_of(request)
    advisor: Advisor = request.app.state.advisor
    answers = given_answers(fields)
    interview = replay(advisor, answers)
    form = dict(fields)
    if "back" in form:
        if not interview.asked:
            return RedirectResponse(request.scope.get("root_path", "") + "/", status_code=303)
        undone = last_page(interview)
        interview = replay(advisor, [(fact, answer) for fact, answer in answers if fact not in undone])
        group = interview.next_questions()
        if group is None:  # answers given out of the interview's order: nothing to ask again
            return check_page(request, interview)
        return question_page(request, interview, group, chosen=dict(answers))
    if "change" in form:
        fact = form["change"]
        return question_page(request, interview, single(interview, fact), chosen=dict(answers), changing=True)
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
            return question_page(request, interview, group, chosen=chosen, missing=missing, changing=changing)
        # A changed answer keeps its place; a new one goes at the end.
        new = {fact: form[fact] for fact in asking}
        kept = [(fact, new.pop(fact, answer)) for fact, answer in answers]
        interview = replay(advisor, [*kept, *new.items()])
    following = interview.next_questions()
    if following is None:
        return finished(request, interview)
    return question_page(request, interview, following)


def single(interview: Interview, fact: str) -> QuestionGroup:
    return QuestionGroup(title="", questions=(interview.question(fact),))


def finished(request: Request, interview: Interview) -> HTMLResponse:
    """No question left: check your answers, or the advice at once when it is a safety route."""
    rec = interview.recommendation()
    if interview.advisor.pack.route[rec.primary_route].safety:
        return answer_page(request, interview, rec)
    return check_page(request, interview)


def question_page(
    request: Request,
    interview: Interview,
    group: QuestionGroup,
    *,
    chosen: dict[str, str] | None = None,
    missing: Sequence[str] = (),
    changing: bool = False,
) -> HTMLResponse:
    answers = interview.answers  # a changed answer stays in the form: it is replaced in its place
    return page(
        request,
        "question.html",
        status=422 if missing else 200,
        group=group,
        number=len(answers) + 1,
        answers=answers,
        chosen=chosen or {},
        missing=missing,
        changing=changing,
    )


@page_router.post("/check", response_class=HTMLResponse)
async def check(request: Request) -> HTMLResponse:
    interview, _ = await interview_of(request)
    return check_page(request, interview)


def check_page(request: Request, interview: Interview) -> HTMLResponse:
    """Check your answers: each question answered, in words, with a Change button."""
    return page(request, "check.html", rows=asked_rows(interview), answers=interview.answers)


@page_router.post("/advice", response_class=HTMLResponse)
async def advice(request: Request) -> HTMLResponse:
    interview, _ = await interview_of(request)
    return answer_page(request, interview, interview.recommendation())


def answer_page(request: Request, interview: Interview, rec: Recommendation) -> HTMLResponse:
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
    return page(
        request,
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


@page_router.post("/record", response_class=Response)
async def record(request: Request) -> Response:
    """The Markdown case record, as a file to download (the form carries the answers)."""
    interview, _ = await interview_of(request)
    text = render_markdown(interview.recommendation(), tuple(interview.answers))
    return Response(
        text + "\n",
        media_type="text/markdown; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="case-record.md"'},
    )


@page_router.post("/change", response_class=HTMLResponse)
async def change(request: Request) -> HTMLResponse:
    """What-if, step 1: the questions answered and those still open, to change any of them."""
    interview, _ = await interview_of(request)
    pack = interview.advisor.pack
    shown = set(interview.answers) | {question.fact for question in interview.recommendation().questions}
    facts = [fact for fact in pack.facts if fact.id in shown]
    return page(request, "change.html", answers=interview.answers, facts=facts)


@page_router.post("/what-if", response_class=HTMLResponse)
async def what_if(request: Request) -> HTMLResponse:
    """What-if, step 2: the advice before and after the answers changed."""
    interview, fields = await interview_of(request)
    advisor = interview.advisor
    current = interview.case()
    changes = {name: value for name, value in fields if name in advisor.pack.fact and value != current[name]}
    result = advisor.what_if(interview.answers, changes)
    after = {**interview.answers, **changes}
    return page(
        request,
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


@page_router.post("/why-not", response_class=HTMLResponse)
async def why_not(request: Request) -> HTMLResponse:
    """Why a route is or is not recommended, in sentences about the questions answered or still
    open only (never about a question that was not asked because it cannot matter)."""
    interview, fields = await interview_of(request)
    route = dict(fields).get("route")
    if route is None:
        raise RequestError(422, "choose a route", "route")
    pack = interview.advisor.pack
    result = interview.advisor.why_not(interview.answers, route)
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
    return page(
        request,
        "why_not.html",
        result=result,
        lines=lines,
        short=pack.short_title(route),
        answers=interview.answers,
    )
