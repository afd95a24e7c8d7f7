"""The error tree, and the one table of error codes.

Every problem the library reports is a TriageError with a one-line message, a `code` a program can
read, and where known the `field` (a fact id, a route, a request field, or a place in a pack), the
`file` and the `line`. `ERRORS` is the one table of codes: the library, the command line (its JSON
errors and exit statuses), every HTTP endpoint and `batch` use it, and docs/integration.md lists it
(a test holds the two together).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple


class TriageError(Exception):
    """Base of every error triage raises on purpose. Its message is one line, fit to show a user.

    >>> import triage
    >>> try:
    ...     triage.assess({"complx": "yes"})
    ... except triage.TriageError as error:
    ...     print(error)
    unknown fact 'complx' (did you mean 'complex'?)
    """

    default_code = "cannot_run"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.field = field
        self.file = file
        self.line = line


class InputError(TriageError):
    """A question (answers) that cannot be assessed: unknown fact id, bad answer, malformed JSON.

    `field` names the offending fact id or location when there is one; `code` says what kind of
    problem it is.

    >>> import triage
    >>> try:
    ...     triage.assess({"complex": "maybe"})
    ... except triage.InputError as error:
    ...     print(error.code, error.field, "|", error)
    bad_answer complex | fact 'complex': 'maybe' is not an answer (use yes, no, unknown)
    """

    default_code = "bad_input"


class OutputError(TriageError):
    """An answer that cannot be written: a full disk, a file size limit, a closed output. Nothing
    half-written is left behind (`run_batch` writes a file whole or not at all).

    >>> import triage
    >>> issubclass(triage.OutputError, triage.TriageError)  # the CLI exits 4, not 2, for it
    True
    """

    default_code = "cannot_write"


class PackError(TriageError):
    """A rule pack that cannot be used: unreadable, malformed, or inconsistent.

    `file`, `rule` and `field` locate the problem when known.

    >>> import triage
    >>> try:
    ...     triage.load_pack("no-such-folder")
    ... except triage.PackError as error:
    ...     print(error.file, "|", error)
    no-such-folder | no-such-folder: not a folder
    """

    default_code = "bad_pack"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rule: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        where = ": ".join(part for part in (file, f"rule '{rule}'" if rule else None, field) if part)
        super().__init__(f"{where}: {message}" if where else message, field=field, file=file, line=line)
        self.rule = rule


class ErrorCode(NamedTuple):
    """One code of the error table: what it means, the command line's exit status and the HTTP
    status that carry it (None where it cannot arise).

    >>> ERRORS["unknown_fact"].exit_status, ERRORS["unknown_fact"].http_status
    (2, 422)
    """

    code: str
    exit_status: int | None
    http_status: int | None
    meaning: str


ERRORS: Mapping[str, ErrorCode] = {
    error.code: error
    for error in (
        ErrorCode("usage", 2, None, "a bad flag, option or argument on the command line"),
        ErrorCode(
            "bad_input",
            2,
            400,
            "input that cannot be read: an unreadable or missing file, JSON that is malformed or not "
            "an object, text that is not UTF-8, a file or line over its size limit (1 MiB), a blank "
            "batch line, stdin closed",
        ),
        ErrorCode("too_large", None, 413, "an HTTP request body over its size limit (64 KiB)"),
        ErrorCode(
            "unknown_fact", 2, 422, "a fact id the pack does not have (`field`: the id, when it is one)"
        ),
        ErrorCode("bad_answer", 2, 422, "an answer the fact does not allow (`field`: the fact id)"),
        ErrorCode(
            "given_twice", 2, 422, "a fact or key given twice, or a fact answered twice in an interview"
        ),
        ErrorCode("unknown_route", 2, 422, "a route id the pack does not have (`field`: route)"),
        ErrorCode("unknown_rule", 2, 422, "a rule id the pack does not have"),
        ErrorCode(
            "bad_field",
            2,
            422,
            "a field of a request that is missing, not expected, of the wrong kind or out of range "
            "(`field`: where it is, e.g. max_changes)",
        ),
        ErrorCode("not_found", None, 404, "no such path"),
        ErrorCode(
            "method_not_allowed", None, 405, "a method the path does not take (`Allow` lists those it does)"
        ),
        ErrorCode(
            "cross_site", None, 403, "a form or API request from another site (Origin, Sec-Fetch-Site)"
        ),
        ErrorCode("not_json", None, 415, "an API request body not sent as JSON (Content-Type)"),
        ErrorCode("bad_pack", 3, 500, "a rule pack that does not load (`file`, `line`, `field` locate it)"),
        ErrorCode("cannot_run", 3, 500, "a rule pack that loads but that the rules engine cannot run"),
        ErrorCode("not_ready", None, 503, "the server's pack is not loaded or not usable yet (/readyz)"),
        ErrorCode("cannot_listen", 2, None, "`triage serve` cannot listen on the host and port asked for"),
        ErrorCode(
            "cannot_write", 4, 500, "an answer that cannot be written: a full disk, stdout closed or full"
        ),
        ErrorCode("internal_error", None, 500, "a fault of triage itself: the request was not processed"),
        ErrorCode("interrupted", 130, None, "Ctrl-C (130), SIGHUP (129) or SIGTERM (143)"),
    )
}
"""The one table of error codes: the library's errors, the command line's JSON errors (and exit
statuses), every HTTP endpoint's errors and `batch`'s error lines all use these codes."""

_BY_HTTP_STATUS = {
    400: "bad_input",
    403: "cross_site",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "not_json",
    422: "bad_field",
    500: "internal_error",
    503: "not_ready",
}


def http_status(code: str) -> int:
    """The HTTP status of an error code (500 for a code that HTTP does not carry).

    >>> http_status("bad_answer"), http_status("bad_pack")
    (422, 500)
    """
    found = ERRORS.get(code)
    return found.http_status if found is not None and found.http_status is not None else 500


def exit_status(code: str) -> int:
    """The command line's exit status for an error code (2 for a code it does not carry).

    >>> exit_status("bad_answer"), exit_status("bad_pack"), exit_status("cannot_write")
    (2, 3, 4)
    """
    found = ERRORS.get(code)
    return found.exit_status if found is not None and found.exit_status is not None else 2


def http_code(status: int) -> str:
    """The code of an HTTP error that only its status describes (a request refused before the
    library saw it): 400 bad_input, 404 not_found, 413 too_large, 422 bad_field, ...

    >>> http_code(413), http_code(418)
    ('too_large', 'internal_error')
    """
    return _BY_HTTP_STATUS.get(status, "internal_error")


def error_payload(
    error: TriageError | None = None,
    *,
    code: str | None = None,
    message: str | None = None,
    field: str | None = None,
) -> dict[str, dict[str, str | int | None]]:
    """An error as every program reads it (the command line's JSON errors, HTTP bodies, batch
    lines): {"error": {"code", "message", "field", "file", "line"}}, with null where a part
    does not apply. `code` and `message` stand in for an error's own, or describe one that is
    not a TriageError.

    >>> import triage
    >>> try:
    ...     triage.assess({"complex": "maybe"})
    ... except triage.TriageError as error:
    ...     error_payload(error)["error"]["code"], error_payload(error)["error"]["field"]
    ('bad_answer', 'complex')
    """
    detail: dict[str, str | int | None] = {
        "code": code or (error.code if error is not None else "internal_error"),
        "message": message if message is not None else str(error),
        "field": field,
        "file": None,
        "line": None,
    }
    if error is not None:
        detail.update(field=error.field, file=error.file, line=error.line)
    return {"error": detail}


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    import difflib  # here, not at the top: only a mistake needs it, and it is slow to import

    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


_ID = re.compile(r"[a-z0-9_]{1,64}")
_KINDS = {int: "a number", float: "a number", list: "a list", tuple: "a list", dict: "an object"}


def describe(value: object) -> str:
    """A user's value as an error message may show it: never free text, which may be personal data.

    A short single word (a typo such as 'maybe' or 'yse') is quoted; JSON true, false and null are
    named; anything else is described by its kind and, for text, its length.

    >>> describe("maybe"), describe("Jane Doe, 12 High St"), describe(20120314), describe(None)
    ("'maybe'", 'a text of 20 characters', 'a number', 'null')
    """
    if isinstance(value, str):
        word = value.isalpha() and len(value) <= 12  # letters only, in any script
        return str.__repr__(value) if word else f"a text of {len(value)} characters"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return _KINDS.get(type(value), "an object" if isinstance(value, Mapping) else "a value")


def describe_key(key: object) -> str:
    """A key the user gave, for an error message: quoted when it looks like an id, else described
    (a name or an address typed as a key must not be repeated).

    >>> describe_key("complx"), describe_key("Jane Doe")
    ("'complx'", '(a key of 8 characters)')
    """
    if isinstance(key, str):
        return str.__repr__(key) if is_id(key) else f"(a key of {len(key)} characters)"
    return f"(a key that is {describe(key)})"


def describe_path(path: object) -> str:
    """A file or folder name the user gave, for an error message: as given when it looks like a
    path, else described (a name or an address typed where a path belongs must not be repeated).

    >>> describe_path("rules/moray"), describe_path("Jane Doe, 12 High St")
    ('rules/moray', '(a name of 20 characters)')
    """
    text = str(path)
    return text if _PATH.fullmatch(text) else f"(a name of {len(text)} characters)"


_PATH = re.compile(r"[\w./~:@^+-]{1,255}")


def is_id(text: str) -> bool:
    """Whether the text looks like an id (lower-case letters, digits, '_'; at most 64 characters)."""
    return _ID.fullmatch(text) is not None
