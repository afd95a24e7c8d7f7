"""The page for practitioners: server-rendered HTML that works with JavaScript off.

The interview is `triage.Interview`, replayed from the answers that travel in each form (hidden
fields `answered` = 'fact=answer', in the order given): the server keeps nothing between pages,
and no answer is ever in a URL. What-if and why-not are the Advisor's own calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from triage._advisor import Advisor
from triage._interview import Interview
from triage._recommendation import Recommendation
from triage._recommendation_text import render_markdown
from triage.web._body import RequestError, read_form

STATE = "answered"
"""The hidden field that carries each answer given so far, as 'fact=answer'."""
_WORDS = {"yes": "Yes", "no": "No", "unknown": "Not sure"}
_SHORT_NAME = re.compile(r"\(([A-Z]{2,})\)\s*$")

page_router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=PackageLoader("triage.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def answer_word(answer: str) -> str:
    """An answer in words, as the page shows and prints it ('Not sure' for unknown)."""
    return _WORDS.get(answer, answer.replace("_", " ").capitalize())


def short_name(title: str) -> str:
    """'RCD' for 'Multiagency Reflective Case Discussion (RCD)'; the title when it has no short name."""
    found = _SHORT_NAME.search(title)
    return found.group(1) if found else title


templates.filters["word"] = answer_word


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    advisor: Advisor = request.app.state.advisor
    html = templates.get_template(template).render(
        pack=advisor.pack, state_field=STATE, root_path=request.scope.get("root_path", ""), **context
    )
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """An error as a page: what went wrong in one line, and a way back to the start."""
    return page(request, "error.html", status=status, status_code=status, message=message)


def replay(advisor: Advisor, fields: Sequence[tuple[str, str]]) -> Interview:
    """The interview with the answers carried in the form, given again in their order."""
    interview = Interview(advisor)
    for name, value in fields:
        if name == STATE:
            fact, _, answer = value.partition("=")
            interview.answer(fact, answer)
    return interview


async def interview_of(request: Request) -> tuple[Interview, list[tuple[str, str]]]:
    fields = await read_form(request, repeatable=(STATE,))
    return replay(request.app.state.advisor, fields), fields


def answer_page(request: Request, interview: Interview) -> HTMLResponse:
    rec = interview.recommendation()
    return page(
        request,
        "answer.html",
        rec=rec,
        answers=interview.answers,
        given=given(interview, rec),
        record=render_markdown(rec),
        more=interview.next_question() is not None,
        focus_short=short_name(rec.focus.title),
    )


def given(interview: Interview, rec: Recommendation) -> list[tuple[str, str, str]]:
    """The answers given, in the order given: (fact, question, answer in words)."""
    by_fact = {given.fact: given for given in rec.answers}
    return [(fact, by_fact[fact].question, answer_word(by_fact[fact].answer)) for fact in interview.answers]


@page_router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    return page(request, "start.html")


@page_router.post("/question", response_class=HTMLResponse)
async def question(request: Request) -> Response:
    """Start, answer the question asked, or go back one; then the next question or the advice."""
    interview, fields = await interview_of(request)
    form = dict(fields)
    if "back" in form:
        if not interview.asked:
            return RedirectResponse(request.scope.get("root_path", "") + "/", status_code=303)
        last = interview.asked[-1]
        taken_back = interview.answers[last]  # shown selected when the question is asked again
        interview.undo()
        return question_page(request, interview, interview.question(last), chosen=taken_back)
    asked = form.get("asking")
    if asked is not None:
        if asked not in form:
            return question_page(request, interview, interview.question(asked), missing=True)
        interview.answer(asked, form[asked])
    following = interview.next_question()
    if following is None:
        return answer_page(request, interview)
    return question_page(request, interview, following)


def question_page(
    request: Request, interview: Interview, asking: Any, *, chosen: str | None = None, missing: bool = False
) -> HTMLResponse:
    rec = interview.recommendation()
    # The interview asks only open questions, and answers only close them: the open ones not yet
    # answered, less this one, bound how many more it can ask.
    open_facts = {q.fact for q in rec.questions} - set(interview.answers) - {asking.fact}
    return page(
        request,
        "question.html",
        status=422 if missing else 200,
        question=asking,
        number=len(interview.asked) + 1,
        at_most=len(open_facts),
        answers=interview.answers,
        chosen=chosen,
        missing=missing,
    )


@page_router.post("/advice", response_class=HTMLResponse)
async def advice(request: Request) -> HTMLResponse:
    interview, _ = await interview_of(request)
    return answer_page(request, interview)


@page_router.post("/change", response_class=HTMLResponse)
async def change(request: Request) -> HTMLResponse:
    """What-if, step 1: every question with its current answer, to change any of them."""
    interview, _ = await interview_of(request)
    pack = interview.advisor.pack
    return page(request, "change.html", answers=interview.answers, facts=list(pack.facts))


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
            (fact, advisor.pack.fact[fact].question, current[fact], new) for fact, new in changes.items()
        ],
    )


@page_router.post("/why-not", response_class=HTMLResponse)
async def why_not(request: Request) -> HTMLResponse:
    interview, fields = await interview_of(request)
    route = dict(fields).get("route")
    if route is None:
        raise RequestError(422, "choose a route", "route")
    result = interview.advisor.why_not(interview.answers, route)
    return page(request, "why_not.html", result=result, answers=interview.answers)
