"""The error tree: every problem the library reports is a TriageError with a one-line message.

Each error has a `code` a program can read, and where known the `field` (a fact id or a place in
a pack), the `file` and the `line`. The codes (the command line prints them in its JSON errors):

- `bad_input` (exit 2): input that cannot be read: a file, JSON, a size limit, an unknown rule or
  route id;
- `unknown_fact`, `bad_answer`, `given_twice` (exit 2): answers that are not the pack's;
- `bad_pack` (exit 3): a rule pack that does not load;
- `cannot_run` (exit 3): a rule pack that loads but that the rules engine cannot run;
- `cannot_listen` (exit 2): `triage serve` cannot listen on the host and port asked for;
- `cannot_write` (exit 4): an answer that cannot be written (a full disk, stdout closed or full).

The command line adds `usage` (exit 2: a bad flag, option or argument) and `interrupted` (130 for
Ctrl-C, 129 for SIGHUP, 143 for SIGTERM); a broken pipe exits 141 quietly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


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
