"""Reading a request body: bounded in size, then JSON (API) or a form (page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from triage._case import parse_json
from triage._errors import InputError


class RequestError(Exception):
    """A request refused before the library sees it: its HTTP status and a one-line message."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it is over the app's limit (declared or streamed)."""
    limit: int = request.app.state.max_body_bytes
    too_large = RequestError(413, f"request body over {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object (400 if it is not one); a key given twice is refused.

    Any content type is read as JSON: other programs (and curl -d) often send none or the wrong one."""
    try:
        data = parse_json(await read_body(request), source="request body")
    except InputError as error:
        raise RequestError(400, str(error), error.field) from None
    if not isinstance(data, dict):
        raise RequestError(400, f"request body: a JSON object is needed, not {type(data).__name__}")
    return data


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The body as an HTML form's fields, in order (a field may come more than once)."""
    try:
        text = (await read_body(request)).decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "the form could not be read") from None
