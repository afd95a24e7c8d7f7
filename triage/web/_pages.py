"""The page for practitioners: server-rendered HTML that works with JavaScript off.

The routes read the form and send the page; the page itself (the interview replayed, the advice,
what-if, why-not, the HTML) is made by `_page_work` in the app's pool, off the event loop, like
the API's answers, so that the server answers other requests (and its health probes) meanwhile.

The browser's Back button: every page is the answer to a form, so each page also carries the
fields that produced it, and the script keeps them in the browser's own history entry; going
back asks again with them (see static/app.js). Without the script, the page's Back buttons work.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

import triage.web._page_work as work
from triage._advisor import Advisor
from triage.web._body import RequestError, read_form
from triage.web._page_work import ASKING, STATE, Page, Place, render
from triage.web._pool import AdvicePool

page_router = APIRouter(include_in_schema=False)


def place_of(request: Request, fields: list[tuple[str, str]] | None = None) -> Place:
    name = request.url.path.rsplit("/", 1)[-1]
    return Place(request.scope.get("root_path", ""), name, None if fields is None else tuple(fields))


def sent(made: Page) -> Response:
    return Response(made.body, made.status, dict(made.headers), made.media_type)


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page that needs no advice, made here."""
    advisor: Advisor = request.app.state.advisor
    return sent(render(advisor.pack, place_of(request), template, status, **context))


def render_error(request: Request, status: int, message: str) -> Response:
    """An error as a page: what went wrong in one line, and a way back to the start (the refused
    form is never echoed, nor kept for the Back button)."""
    return page(request, "error.html", status=status, status_code=status, message=message)


async def computed(
    request: Request, making: Callable[[Advisor, Place], Page], *, needs: str = ""
) -> Response:
    """The page `making(advisor, place)` makes from the request's form, made by the app's pool.
    `needs` names a field the form must have (422 without it)."""
    fields = await read_form(request, repeatable=(STATE, ASKING))
    if needs and needs not in dict(fields):
        raise RequestError(422, f"choose a {needs}", needs)
    pool: AdvicePool = request.app.state.pool
    made = await pool.run(work.pickled, making, place_of(request, fields))
    return sent(pickle.loads(made))  # noqa: S301 - a page made by our own advice process


@page_router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    advisor: Advisor = request.app.state.advisor
    return page(request, "start.html", focus_short=advisor.pack.short_title(advisor.pack.focus_route))


@page_router.get("/{name}", response_class=HTMLResponse)
async def going_back(request: Request, name: str) -> Response:
    """A page the browser asks for again (Back, or reload): the answers are not kept anywhere, so
    the script sends again the fields kept in the browser's history entry, if it has them."""
    if name not in ("question", "check", "advice", "change", "what-if", "why-not"):
        return render_error(request, 404, "no such page")
    return page(request, "going_back.html")


@page_router.post("/question", response_class=HTMLResponse)
async def question(request: Request) -> Response:
    """Start, answer the questions asked (or change one answer), or go back a page."""
    return await computed(request, work.question)


@page_router.post("/check", response_class=HTMLResponse)
async def check(request: Request) -> Response:
    return await computed(request, work.check)


@page_router.post("/advice", response_class=HTMLResponse)
async def advice(request: Request) -> Response:
    return await computed(request, work.advice)


@page_router.post("/record", response_class=Response)
async def record(request: Request) -> Response:
    """The Markdown case record, as a file to download (the form carries the answers)."""
    return await computed(request, work.record)


@page_router.post("/change", response_class=HTMLResponse)
async def change(request: Request) -> Response:
    """What-if, step 1: the questions answered and those still open, to change any of them."""
    return await computed(request, work.change)


@page_router.post("/what-if", response_class=HTMLResponse)
async def what_if(request: Request) -> Response:
    """What-if, step 2: the advice before and after the answers changed."""
    return await computed(request, work.what_if)


@page_router.post("/why-not", response_class=HTMLResponse)
async def why_not(request: Request) -> Response:
    """Why a route is or is not recommended."""
    return await computed(request, work.why_not, needs="route")
