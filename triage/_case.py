"""Answers in, a validated case out: every fact of the pack answered, unknown made explicit."""

# Annotations here stay objects (no `from __future__ import annotations`): pydantic would read
# each model field's type from text, a third of what every model class costs each start.

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from pydantic import BaseModel, ConfigDict

from triage._errors import InputError, describe, describe_key, did_you_mean, is_id
from triage._pack import UNKNOWN, Pack
from triage._recommendation import FrozenDict, without_examples

Answer: TypeAlias = str | bool | None
"""One answer: the pack's word ('yes', 'no', 'unknown', ...); JSON true/false/null mean yes/no/unknown."""
Answers: TypeAlias = Mapping[str, Answer]
"""The question: fact id -> answer. A fact left out is unknown."""

MAX_INPUT_BYTES = 1 << 20
_WORDS = {True: "yes", False: "no", None: UNKNOWN}
_MAKE = object()  # only make_case holds it: a Case is always a validated one


class Case(FrozenDict):
    """A validated case: fact id -> answer for every fact of one pack (unknown explicit, never
    missing), each answer one the fact allows. Only `make_case` (or `Advisor.case`) builds one,
    and it cannot be changed afterwards; `pack_sha256` names the pack it was validated against.

    >>> import triage
    >>> case = triage.Advisor().case({"complex": "yes"})
    >>> case["complex"], case["multiagency"]
    ('yes', 'unknown')
    >>> case["complex"] = "maybe"
    Traceback (most recent call last):
    ...
    TypeError: a Case cannot be changed: validate new answers with make_case
    """

    __slots__ = ("pack_sha256",)
    refusal = "a Case cannot be changed: validate new answers with make_case"

    def __init__(self, answers: Mapping[str, str], *, pack_sha256: str, token: object = None) -> None:
        if token is not _MAKE:
            raise TypeError("a Case is built by make_case(answers, pack), which validates it")
        super().__init__(answers)
        self.pack_sha256 = pack_sha256

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle rebuild it as validated, unchanged
        return _rebuild, (dict(self), self.pack_sha256)


def _rebuild(answers: dict[str, str], pack_sha256: str) -> Case:
    return Case(answers, pack_sha256=pack_sha256, token=_MAKE)


class InputModel(BaseModel):
    """The base of a pack's input model: the answers as a pydantic model, one optional field per
    fact (`Advisor.input_model`; its JSON Schema is `triage schema input`). `triage.assess` and
    the Advisor's methods take an instance wherever they take answers.

    >>> import triage
    >>> advisor = triage.Advisor()
    >>> answers = advisor.input_model(immediate_danger="yes")
    >>> isinstance(answers, triage.InputModel), answers.answers()
    (True, {'immediate_danger': 'yes'})
    >>> advisor.assess(answers).primary_route
    'emergency_response'
    """

    # defer_build: this base is never validated itself (each pack's subclass is), and building it
    # on import would start pydantic's plugin lookup (importlib.metadata) on every command's start.
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra=without_examples, defer_build=True
    )

    def answers(self) -> dict[str, Answer]:
        """The answers given (fact id -> answer), leaving out the facts not given."""
        given: dict[str, Answer] = {}
        for fact in sorted(self.model_fields_set, key=list(type(self).model_fields).index):
            given[fact] = getattr(self, fact)
        return given


def answer_word(fact: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One answer as the pack's word, taken exactly as the published input schema takes it: one of
    the fact's words as written (no other case, no spaces), JSON null for unknown, and JSON
    true/false for yes/no where the fact's answers include both."""
    if isinstance(value, str):
        if value in allowed:
            return str(value)
    elif value is None:
        if UNKNOWN in allowed:
            return UNKNOWN
    elif isinstance(value, bool) and "yes" in allowed and "no" in allowed:
        return _WORDS[value]
    near = isinstance(value, str) and value.strip().lower() in allowed
    raise InputError(
        f"fact '{fact}': {describe(value)} is not an answer (use {', '.join(allowed)}"
        f"{': lower case, no spaces' if near else ''})",
        code="bad_answer",
        field=fact,
    )


def make_case(answers: Answers | InputModel | Any, pack: Pack) -> Case:
    """Validate answers (fact id -> answer, or the pack's input model) against the pack: the only
    way to build a `Case`. A fact left out is unknown.

    A Case validated against this pack is taken as it is; any other mapping is validated.
    """
    if type(answers) is not dict:  # a plain dict, the usual input, needs none of these (slow) checks
        if isinstance(answers, Case) and answers.pack_sha256 == pack.sha256:
            return answers
        if isinstance(answers, InputModel):
            answers = answers.answers()
        if not isinstance(answers, Mapping):
            raise InputError(
                f"the answers must be a JSON object of fact ids to answers, not {describe(answers)}"
            )
    domains = pack.domains
    case = dict.fromkeys(domains, UNKNOWN)
    for fact, value in answers.items():
        allowed = domains.get(fact)
        if type(value) is str and allowed is not None and value in allowed:  # the common case, first
            case[fact] = value
            continue
        if not isinstance(fact, str) or fact not in pack.fact:
            hint = did_you_mean(fact, pack.fact) if isinstance(fact, str) and len(fact) < 200 else ""
            field = fact if isinstance(fact, str) and is_id(fact) else None
            raise InputError(f"unknown fact {describe_key(fact)}{hint}", code="unknown_fact", field=field)
        case[fact] = answer_word(fact, value, pack.fact[fact].answers)
    return Case(case, pack_sha256=pack.sha256, token=_MAKE)


def parse_json(text: str | bytes, *, source: str = "input", keys: str = "key") -> Any:
    """JSON text to data, or an InputError naming the source, line and column.

    A key given twice in one object is refused: JSON would silently keep the last one, and a
    changed answer could go unseen. `keys` names the keys of the top-level object in the message.

    >>> parse_json('{"complex": "yes", "complex": "no"}', source="case.json", keys="fact")
    Traceback (most recent call last):
    ...
    triage._errors.InputError: case.json: fact 'complex' is given twice
    """
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{source}: larger than {MAX_INPUT_BYTES // 1024} KiB")
    if isinstance(text, bytes):  # UTF-8 only, as for a file: json.loads would also take UTF-16
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text") from None
    text = text.removeprefix("\ufeff")  # the byte-order mark some Windows editors write
    if "\x00" in text:  # never in JSON text: UTF-16 or UTF-32 read as UTF-8
        raise InputError(f"{source}: not UTF-8 text")
    twice: list[tuple[str, dict[str, Any]]] = []  # (a key given twice, its object), innermost first

    def collect(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            twice.append((next(key for key, count in counts.items() if count > 1), data))
        return data

    try:
        data = json.loads(text, object_pairs_hook=collect)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{source}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            line=error.lineno,
        ) from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise InputError(f"{source}: unreadable JSON ({type(error).__name__})") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"{source}: unreadable JSON (a number too long)") from None
    if twice:
        key, where = twice[-1]  # the top-level object is parsed last; its keys matter most
        if where is data:
            raise InputError(
                f"{source}: {keys} {describe_key(key)} is given twice",
                code="given_twice",
                field=key if is_id(key) else None,
            )
        key = twice[0][0]
        raise InputError(
            f"{source}: key {describe_key(key)} is given twice (in a nested object)",
            code="given_twice",
            field=key if is_id(key) else None,
        )
    return data


def parse_assignment(text: str, pack: Pack) -> tuple[str, str]:
    """'ID=ANSWER' (as typed on a command line) to a validated (fact, answer). A word typed there
    is read without regard to case or spaces around it (`complex=Yes`); answers in JSON are
    taken exactly (see `answer_word`)."""
    fact, sep, value = text.partition("=")
    fact = fact.strip()
    if not sep:
        raise InputError(
            f"{describe_key(fact)} should be ID=ANSWER, e.g. complex=yes", field=fact if is_id(fact) else None
        )
    word = value.strip().lower()
    one = make_case({fact: word if word in pack.domains.get(fact, ()) else value}, pack)
    return fact, one[fact]


def parse_assignments(items: Iterable[str], pack: Pack, *, option: str = "--fact") -> dict[str, str]:
    """Several 'ID=ANSWER' to validated answers; a fact given twice is refused, even with the
    same answer (a later answer must never silently replace an earlier one, a safety answer least
    of all).

    >>> from triage import default_pack_path, load_pack
    >>> pack = load_pack(default_pack_path())
    >>> parse_assignments(["complex=yes", "multiagency=no"], pack)
    {'complex': 'yes', 'multiagency': 'no'}
    >>> parse_assignments(["immediate_danger=yes", "immediate_danger=no"], pack)
    Traceback (most recent call last):
    ...
    triage._errors.InputError: fact 'immediate_danger' is given twice (option --fact)
    """
    answers: dict[str, str] = {}
    for item in items:
        fact, answer = parse_assignment(item, pack)
        if fact in answers:
            raise InputError(
                f"fact {describe_key(fact)} is given twice (option {option})", code="given_twice", field=fact
            )
        answers[fact] = answer
    return answers
