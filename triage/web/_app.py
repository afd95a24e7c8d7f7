"""The app factory: one shared Advisor, the page, the API, and what makes it safe by default."""

from __future__ import annotations

import logging
import time
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage._advisor import Advisor
from triage._errors import InputError, TriageError
from triage._version import __version__
from triage.web._api import DOCUMENTED, api_router
from triage.web._body import RequestError
from triage.web._pages import page_router, render_error

ACCESS_LOG = logging.getLogger("triage.web.access")
"""Method, path, status and time of each request: never a body, a query string or an address."""

# Everything the page needs comes from this app: no inline script or style, no other site.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # Answers are about a child: no copy may stay in a browser's or a proxy's cache.
    (b"cache-control", b"no-store"),
]
SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)

ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_input",
    500: "internal_error",
}


class SafeByDefault:
    """ASGI middleware: the security headers on every response, and one access-log line each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_safely(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in SECURITY_NAMES]
                message["headers"] = headers + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, receive, send_safely)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            ACCESS_LOG.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed)


def error_body(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    """The API's error: {"error": {"code", "message", "field"}}."""
    return {"error": {"code": ERROR_CODES.get(status, "error"), "message": message, "field": field}}


def create_app(advisor: Advisor | None = None, *, max_body_bytes: int = 64 * 1024) -> FastAPI:
    """The web app over one Advisor (the default pack's unless given), shared by every request.

    Request bodies over `max_body_bytes` are refused with 413 before they are read whole.

    >>> from fastapi.testclient import TestClient
    >>> TestClient(create_app()).get("/healthz").json()
    {'status': 'ok'}
    """
    shared = advisor if advisor is not None else Advisor()
    app = FastAPI(
        title="triage",
        version=__version__,
        summary="Advice on which route fits a child protection case: advice to discuss, never a decision.",
        # The interactive docs load their scripts from another site: only the document is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.advisor = shared
    app.state.max_body_bytes = max_body_bytes
    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=str(files("triage.web") / "static")), name="static")
    app.add_middleware(SafeByDefault)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/v1/") or request.url.path in ("/healthz", "/openapi.json")

    def error(request: Request, status: int, message: str, field: str | None = None) -> Response:
        if is_api(request):
            return JSONResponse(error_body(status, message, field), status_code=status)
        return render_error(request, status, message)

    @app.exception_handler(TriageError)
    async def triage_error(request: Request, exc: TriageError) -> Response:
        # Library messages name fact and route ids and lengths only, never free text (house rule).
        status = 422 if isinstance(exc, InputError) else 500
        return error(request, status, str(exc), getattr(exc, "field", None))

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError) -> Response:
        return error(request, exc.status, str(exc), exc.field)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: "no such page", 405: f"{request.method} is not allowed here"}
        return error(request, exc.status_code, messages.get(exc.status_code, "request refused"))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
        return error(request, 422, f"invalid {where or 'request'}", where or None)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        # Never a stack trace to the client, nor the request's content to the log.
        logging.getLogger("triage.web").error(
            "internal error (%s) on %s", type(exc).__name__, request.url.path
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
            # The models keep their docstrings' examples out of their schemas themselves.
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
