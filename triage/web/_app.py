"""The app factory: one shared Advisor, the page, the API, and what makes it safe by default."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage._advisor import Advisor
from triage._errors import TriageError, error_payload, http_code, http_status
from triage._pack import Pack
from triage._schema import json_schema
from triage._version import __version__
from triage.web._api import DOCUMENTED, api_router, typed_answers
from triage.web._body import RequestError
from triage.web._pages import page_router, render_error
from triage.web._pool import AdvicePool, usable_cores

ACCESS_LOG = logging.getLogger("triage.web.access")
"""Method, path, status and time of each request: never a body, a query string or an address."""

# Everything the page needs comes from this app: no inline script or style, no other site.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    # The page's own origin goes with its forms (a browser sends `Origin: null` under no-referrer,
    # and the origin check needs it); no other site is told anything. Its URLs hold no answers.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # Answers are about a child: no copy may stay in a browser's or a proxy's cache.
    (b"cache-control", b"no-store"),
]
SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)

API_PATHS = ("/healthz", "/readyz", "/openapi.json")
"""The paths outside /v1/ whose errors are JSON."""


def escaped(text: str) -> str:
    r"""Text for a log line: control characters (a forged line break among them) and backslashes
    escaped, so that one event is one line.

    >>> escaped("/v1/assess\n127.0.0.1 GET / 200")
    '/v1/assess\\x0a127.0.0.1 GET / 200'
    """
    return re.sub(r"[\x00-\x1f\x7f\\]", lambda found: f"\\x{ord(found.group()):02x}", text)


def route_path(scope: Scope) -> str:
    """The path inside the app: without the root path it is served under (`--root-path`, or the
    prefix of a host app that mounts it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def sent_path(scope: Scope) -> str:
    """The path as the client sent it (still percent-encoded), for the access log."""
    raw: bytes | None = scope.get("raw_path")
    path: str = scope["path"]
    return raw.decode("latin-1") if raw else path


class SafeByDefault:
    """ASGI middleware: the security headers on every response, one access-log line each (its path
    escaped), and HEAD answered wherever GET is (the headers alone).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        head = scope["method"] == "HEAD"

        async def send_safely(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in SECURITY_NAMES]
                message["headers"] = headers + SECURITY_HEADERS
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app({**scope, "method": "GET"} if head else scope, receive, send_safely)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            ACCESS_LOG.info("%s %s %d %.1fms", scope["method"], escaped(sent_path(scope)), status, elapsed)


def error_body(
    status: int, message: str, field: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The API's error, shaped as every error of triage: {"error": {"code", "message", "field",
    "file", "line"}}, its code from the one table (triage/_errors.py; by default the status's own).
    `file` stays null: the server's files are not the client's business."""
    return error_payload(code=code or http_code(status), message=message, field=field)


def create_app(
    advisor: Advisor | None = None,
    *,
    pack: Pack | str | Path | None = None,
    processes: int | None = None,
    max_body_bytes: int = 64 * 1024,
) -> FastAPI:
    """The web app over one Advisor, shared by every request: `advisor`, or one for `pack` (a pack
    or its folder; the default pack when neither is given).

    The advice is computed in a pool of `processes` processes (default: one per core), off the
    event loop, so that the server answers other requests (and its health probes) while it thinks;
    0 computes it in a thread of this process instead. The pool starts with the first request and
    stops with the app. Request bodies over `max_body_bytes` are refused with 413 before they are
    read whole. The app may be mounted under a path in a host app: its links and errors follow.

    >>> from fastapi.testclient import TestClient
    >>> TestClient(create_app()).get("/healthz").json()
    {'status': 'ok'}
    """
    if advisor is not None and pack is not None:
        raise ValueError("create_app: give an advisor or a pack, not both")
    shared = advisor if advisor is not None else Advisor(pack)
    pool = AdvicePool(shared, usable_cores() if processes is None else processes)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warming = asyncio.create_task(pool.ready())  # so that /readyz is soon ready
        yield
        warming.cancel()
        await asyncio.to_thread(pool.shutdown)

    app = FastAPI(
        lifespan=lifespan,
        title="triage",
        version=__version__,
        summary="Advice on which route fits a child protection case: advice to discuss, never a decision.",
        # The interactive docs load their scripts from another site: only the document is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.advisor = shared
    app.state.pool = pool
    app.state.max_body_bytes = max_body_bytes
    # A redirect to the path with a slash would be built from the Host header the client sent.
    app.router.redirect_slashes = False
    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=str(files("triage.web") / "static")), name="static")
    app.add_middleware(SafeByDefault)

    def is_api(request: Request) -> bool:
        path = route_path(request.scope)
        return path.startswith("/v1/") or path in API_PATHS

    def error(
        request: Request,
        status: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> Response:
        if is_api(request):
            return JSONResponse(error_body(status, message, field, code), status_code=status, headers=headers)
        response = render_error(request, status, message)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(TriageError)
    async def triage_error(request: Request, exc: TriageError) -> Response:
        # Library messages name fact and route ids and lengths only, never free text (house rule).
        return error(request, http_status(exc.code), str(exc), exc.field, code=exc.code)

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError) -> Response:
        return error(request, exc.status, str(exc), exc.field, code=exc.code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: "no such page", 405: f"{request.method} is not allowed here"}
        headers = dict(exc.headers or {})
        if "GET" in headers.get("Allow", "").split(", ") and "HEAD" not in headers["Allow"]:
            headers["Allow"] += ", HEAD"  # answered wherever GET is (SafeByDefault)
        return error(
            request, exc.status_code, messages.get(exc.status_code, "request refused"), None, headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
        return error(request, 422, f"invalid {where or 'request'}", where or None)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        # Never a stack trace to the client, nor the request's content to the log.
        logging.getLogger("triage.web").error(
            "internal error (%s) on %s", type(exc).__name__, escaped(sent_path(request.scope))
        )
        return error(request, 500, "internal error: the request was not processed")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            document = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in DOCUMENTED:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            answers = json_schema("input", shared.pack)  # the served pack's facts and answers
            for key in ("$schema", "$id", "version"):
                answers.pop(key)
            document = typed_answers(document)
            document["components"]["schemas"]["Answers"] = answers
            # The models keep their docstrings' examples out of their schemas themselves.
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
