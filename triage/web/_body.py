"""Reading a request body: bounded in size, then JSON (API) or a form (page)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from starlette.requests import ClientDisconnect

from triage._case import parse_json
from triage._errors import InputError, http_code, http_status, is_id


class RequestError(Exception):
    """A request refused before the library sees it: its HTTP status, a one-line message, and its
    code in the one table of error codes (by default the status's own: triage/_errors.py)."""

    def __init__(
        self, status: int, message: str, field: str | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.code = code or http_code(status)


def same_origin(request: Request) -> bool:
    """Whether a request comes from this app's own pages or from a program (no browser site).

    A browser says where a request comes from: a form or a script on another site may post to this
    one with the user's sign-in, so those are refused. `Sec-Fetch-Site` says it plainly (browsers
    send it over HTTPS and to localhost); without it, `Origin` is compared with the host the client
    asked for (behind a proxy, the host it forwards)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    asked = {
        request.headers.get(name, "").split(",")[0].strip().lower() for name in ("host", "x-forwarded-host")
    }
    return origin != "null" and urlsplit(origin).netloc.lower() in asked - {""}


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it is over the app's limit (declared or streamed),
    and with 403 when another site sent it."""
    if not same_origin(request):
        raise RequestError(403, "refused: the request comes from another site")
    limit: int = request.app.state.max_body_bytes
    too_large = RequestError(413, f"request body over {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large
    except ClientDisconnect:
        # Nobody is left to answer; the access log records the request.
        raise RequestError(400, "the client went away before the body was complete") from None
    return bytes(body)


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON (or is absent: programs often send none).

    >>> is_json("application/json; charset=utf-8"), is_json(None), is_json("text/plain")
    (True, True, False)
    """
    if content_type is None:
        return True
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object (400 if it is not one); a key given twice is refused.

    A body that says it is something else (a form, text) is refused with 415: a browser sends
    those from any site without asking first."""
    if not is_json(request.headers.get("content-type")):
        raise RequestError(415, "the body must be JSON (Content-Type: application/json)")
    try:
        data = parse_json(await read_body(request), source="request body")
    except InputError as error:  # malformed (bad_input, 400), or a key given twice (given_twice, 422)
        raise RequestError(http_status(error.code), str(error), error.field, code=error.code) from None
    if not isinstance(data, dict):
        raise RequestError(400, f"request body: a JSON object is needed, not {type(data).__name__}")
    return data


async def read_form(request: Request, repeatable: Collection[str] = ()) -> list[tuple[str, str]]:
    """The body as an HTML form's fields, in order; a field given more than once is refused (422)
    unless it is `repeatable`."""
    try:
        text = (await read_body(request)).decode("utf-8")
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "the form could not be read") from None
    seen: set[str] = set()
    for name, _ in fields:
        if name in seen and name not in repeatable:
            shown = f"field '{name}'" if is_id(name) else "a field"
            raise RequestError(
                422, f"{shown} given more than once", name if is_id(name) else None, code="given_twice"
            )
        seen.add(name)
    return fields
