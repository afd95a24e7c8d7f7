"""The error tree: every problem the library reports is a TriageError with a one-line message."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable


class TriageError(Exception):
    """Base of every error triage raises on purpose. Its message is one line, fit to show a user.

    >>> import triage
    >>> try:
    ...     triage.assess({"complx": "yes"})
    ... except triage.TriageError as error:
    ...     print(error)
    unknown fact 'complx' (did you mean 'complex'?)
    """


class InputError(TriageError):
    """A question (answers) that cannot be assessed: unknown fact id, bad answer, malformed JSON.

    `field` names the offending fact id or location when there is one.

    >>> import triage
    >>> try:
    ...     triage.assess({"complex": "maybe"})
    ... except triage.InputError as error:
    ...     print(error.field, "|", error)
    complex | fact 'complex': 'maybe' is not an answer (use yes, no, unknown)
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rule: str | None = None,
        field: str | None = None,
    ) -> None:
        where = ": ".join(part for part in (file, f"rule '{rule}'" if rule else None, field) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.rule = rule
        self.field = field


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3


def shorten(value: object, limit: int = 40) -> str:
    """A repr of a user's value short enough for a one-line message."""
    try:
        # Containers through reprlib, which bounds the work: a structure that shares its parts
        # can have an exponentially long full repr.
        text = repr(value) if isinstance(value, (str, int, float)) or value is None else _SHORT.repr(value)
    except Exception:  # a hostile value: e.g. an int too long to convert (ValueError)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
