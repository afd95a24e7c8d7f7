"""The JSON API under /v1: the library's calls, with the library's models as answers.

Bodies are read by `read_json` (size-limited, a key given twice refused) and checked against the
request models below; the answers themselves are checked by the library, whose errors name fact
ids only. Every answer is built from the shared Advisor, so it equals the library's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from triage._advisor import DEFAULT_CHANGES, MAX_CHANGES, Advisor
from triage._errors import ERRORS, is_id
from triage._interview import Interview
from triage._reasoning_results import Alternatives, Question, WhatIf, WhyNot
from triage._recommendation import Recommendation
from triage._version import __version__
from triage.web._body import RequestError, read_json
from triage.web._pool import AdvicePool
from triage.web._work import (
    NextQuestion,
    alternatives_json,
    assess_json,
    interview_json,
    json_bytes,
    what_if_json,
    why_not_json,
)

ANSWERS_PLACEHOLDER: dict[str, Any] = {"type": "object", "x-triage": "answers"}


def typed_answers(node: Any) -> Any:
    """The OpenAPI document with every answers placeholder a reference to the pack's `Answers`."""
    if isinstance(node, dict) and node.get("x-triage") == "answers":
        return {"$ref": "#/components/schemas/Answers"}
    if isinstance(node, dict):
        return {key: typed_answers(value) for key, value in node.items()}
    if isinstance(node, list):
        return [typed_answers(item) for item in node]
    return node


Answers = Annotated[
    dict[str, Any],
    # Stands for the pack's own input schema (its fact ids, each with its answers): the app, which
    # knows its pack, puts that in the OpenAPI document in place of this (see `typed_answers`).
    WithJsonSchema(ANSWERS_PLACEHOLDER),
]
_BODY = ConfigDict(extra="forbid", strict=True)


class AssessRequest(BaseModel):
    """The answers to assess."""

    model_config = _BODY
    answers: Answers = Field(default_factory=dict)


class WhatIfRequest(BaseModel):
    """The answers, and the answers to change."""

    model_config = _BODY
    answers: Answers = Field(default_factory=dict)
    changes: Answers


class AlternativesRequest(BaseModel):
    """The answers, and how many of them may change at once."""

    model_config = _BODY
    answers: Answers = Field(default_factory=dict)
    max_changes: int = Field(DEFAULT_CHANGES, ge=1, le=MAX_CHANGES)


class WhyNotRequest(BaseModel):
    """The answers, and the route to explain."""

    model_config = _BODY
    answers: Answers = Field(default_factory=dict)
    route: str = Field(description="A route id of the pack (GET /v1/routes).")


class Route(BaseModel):
    """A route of the pack, most urgent first."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    safety: bool
    guidance: str
    next_steps: tuple[str, ...]


class Version(BaseModel):
    """What answers: the library, the rule pack and the engine."""

    model_config = ConfigDict(frozen=True)

    library: str
    pack: str
    pack_version: str
    pack_sha256: str
    engine: str


class ErrorDetail(BaseModel):
    """What went wrong, in one line, and the field it is about (a fact id, a route id, or null)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(
        description="One of the error codes (docs/integration.md, 'The error codes').",
        json_schema_extra={
            "enum": [error.code for error in ERRORS.values() if error.http_status is not None]
        },
    )
    message: str
    field: str | None
    file: None = Field(None, description="Always null over HTTP.")
    line: int | None = Field(None, description="The line of the body at fault, when it is malformed JSON.")


class Error(BaseModel):
    """Every error of the API."""

    model_config = ConfigDict(frozen=True)

    error: ErrorDetail


DOCUMENTED: tuple[type[BaseModel], ...] = (
    AssessRequest,
    WhatIfRequest,
    AlternativesRequest,
    WhyNotRequest,
    Error,
)
"""Models the routes name by reference only (bodies read by `parse`, errors): added to the
OpenAPI document's components."""


class Health(BaseModel):
    """The server is up (`/healthz`), or ready to answer (`/readyz`)."""

    model_config = ConfigDict(frozen=True)

    status: str


# Each operation's id is its function's name (assess, what_if, why_not, ...), for generated clients.
api_router = APIRouter(generate_unique_id_function=lambda route: route.name)
Body = TypeVar("Body", bound=BaseModel)
Route_ = TypeVar("Route_", bound=Callable[[Request], Awaitable[Response]])
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for status, text in (
        (400, "The body is not a JSON object"),
        (403, "Sent by a browser from another site's page"),
        (404, "No such path"),
        (413, "The body is too large"),
        (415, "The body says it is not JSON (Content-Type)"),
        (422, "An unknown fact or route id, a bad answer, or a bad field"),
    )
}


def advisor_of(request: Request) -> Advisor:
    advisor: Advisor = request.app.state.advisor
    return advisor


async def parse(request: Request, model: type[Body]) -> Body:
    """The body as a request model, or a 422 naming the field (ids only, never the user's text)."""
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(
            str(part) if isinstance(part, int) or is_id(str(part)) else "(a key)" for part in first["loc"]
        )
        raise RequestError(422, f"{where or 'body'}: {first['msg']}", where or None) from None


def json_of(model: BaseModel) -> Response:
    return Response(json_bytes(model), media_type="application/json")


async def answered(request: Request, work: Callable[..., bytes], *args: Any) -> Response:
    """`work(advisor, *args)` done by the app's pool, off the event loop, sent as it comes back."""
    pool: AdvicePool = request.app.state.pool
    return Response(await pool.run(work, *args), media_type="application/json")


def post(
    path: str, answer: type[BaseModel], request_model: type[BaseModel], summary: str
) -> Callable[[Route_], Route_]:
    """A POST route documented with its request model (the body is read by `parse`)."""
    return api_router.post(
        path,
        response_model=answer,
        summary=summary,
        responses=_ERRORS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{request_model.__name__}"}}
                },
            }
        },
    )


@post("/v1/assess", Recommendation, AssessRequest, "The advice for one case")
async def assess(request: Request) -> Response:
    body = await parse(request, AssessRequest)
    return await answered(request, assess_json, body.answers)


@post("/v1/what-if", WhatIf, WhatIfRequest, "The advice before and after changing some answers")
async def what_if(request: Request) -> Response:
    body = await parse(request, WhatIfRequest)
    return await answered(request, what_if_json, body.answers, body.changes)


@post(
    "/v1/alternatives",
    Alternatives,
    AlternativesRequest,
    "The smallest changes of answers that change the advice",
)
async def alternatives(request: Request) -> Response:
    body = await parse(request, AlternativesRequest)
    return await answered(request, alternatives_json, body.answers, body.max_changes)


@post("/v1/why-not", WhyNot, WhyNotRequest, "Why a route is not (or is) recommended")
async def why_not(request: Request) -> Response:
    body = await parse(request, WhyNotRequest)
    return await answered(request, why_not_json, body.answers, body.route)


@post(
    "/v1/interview/next",
    NextQuestion,
    AssessRequest,
    "The next question of the interview, and the advice so far",
)
async def interview_next(request: Request) -> Response:
    body = await parse(request, AssessRequest)
    return await answered(request, interview_json, body.answers)


@api_router.get("/v1/facts", response_model=list[Question], summary="The questions, in the pack's order")
async def facts(request: Request) -> JSONResponse:
    interview = Interview(advisor_of(request))
    return JSONResponse(
        [interview.question(fact).model_dump(mode="json") for fact in interview.advisor.pack.fact]
    )


@api_router.get("/v1/routes", response_model=list[Route], summary="The routes, most urgent first")
async def routes(request: Request) -> JSONResponse:
    pack = advisor_of(request).pack
    return JSONResponse(
        [
            Route(
                id=route.id,
                title=route.title,
                safety=route.safety,
                guidance=route.guidance,
                next_steps=route.next_steps,
            ).model_dump(mode="json")
            for route in pack.routes
        ]
    )


@api_router.get(
    "/v1/version", response_model=Version, summary="The library, rule pack and engine that answer"
)
async def version(request: Request) -> Response:
    advisor = advisor_of(request)
    pack = advisor.pack
    return json_of(
        Version(
            library=__version__,
            pack=pack.id,
            pack_version=pack.version,
            pack_sha256=pack.sha256,
            engine=advisor.engine,
        )
    )


@api_router.get("/healthz", response_model=Health, summary="The server is up")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@api_router.get(
    "/readyz",
    response_model=Health,
    summary="The server can answer: its pack is loaded and has answered a case",
    responses={503: {"description": "Not ready yet (or no longer able to answer)"}},
)
async def readyz(request: Request) -> JSONResponse:
    pool: AdvicePool = request.app.state.pool
    if await pool.ready():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)
