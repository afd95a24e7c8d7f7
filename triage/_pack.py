"""Rule packs: the YAML files, their validation, and the loaded, hashed `Pack`.

A pack is a folder of YAML files (scenarios/ aside). Each file holds some of the top-level keys of
`PackDocument` (pack.yaml: metadata; facts.yaml; routes.yaml; rules.yaml); together they must hold
all of them, each key in one file. Loading refuses anything that could execute code or blow up:
only plain YAML (no tags, no aliases), bounded sizes, and every reference checked.
"""

# Annotations here stay objects (no `from __future__ import annotations`): pydantic would read
# each model field's type from text, a third of what every model class costs each start.

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from triage._bounded_read import read_bounded_bytes
from triage._conditions import (
    AllOf,
    AnyOf,
    Condition,
    ConditionModel,
    Leaf,
    Normal,
    NotOf,
    facts_read,
    leaves,
    normalise,
)
from triage._conditions import depth as condition_depth
from triage._errors import InputError, PackError, describe, describe_key, did_you_mean
from triage._yaml_reader import read_yaml

UNKNOWN = "unknown"
BINARY = ("yes", "no", UNKNOWN)
ANSWER_WORDS = {"yes": "Yes", "no": "No", UNKNOWN: "Not sure"}
ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
SEMVER_PATTERN = r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$"
# Keys the engine gives a meaning of its own, and the guard key of every case.
RESERVED_FACT_IDS = frozenset({"sid", "id", "kind"})

# Bounds that keep a hostile pack from hanging or exhausting the process (the engine checks its
# own limits when it compiles a pack).
MAX_FILE_BYTES = 1 << 20
MAX_FILES = 32
MAX_FACTS = 200
MAX_RULES = 400
PACK_FORMAT = 1
"""The pack format this triage reads. Every key added to it since is optional, with the default
that gives the answers packs had before; a change that cannot be made that way raises it, and
`rules check` then names each line of an older pack to change."""
MAX_LEAVES_PER_RULE = 64
MAX_DEPTH = 8
MAX_ANSWERS = 16

# defer_build: see _conditions.
_STRICT = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)
Id = Field(pattern=ID_PATTERN)


class Source(BaseModel):
    """A document the pack rests on."""

    model_config = _STRICT
    title: str = Field(min_length=1)
    date: str = Field(min_length=1, description="When it was published or last checked, or 'unknown'.")
    url: str | None = None


class SourceRef(BaseModel):
    """A citation: a document of the pack's `sources` and the section relied on."""

    model_config = _STRICT
    document: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Contact(BaseModel):
    """Someone to contact, as named by a source on a date."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    for_: str = Field(alias="for", min_length=1)
    email: str = ""
    phone: str = ""
    url: str = ""
    source: str
    as_of: str = Field(min_length=1)


class FactSpec(BaseModel):
    """A question the advisor can ask."""

    model_config = _STRICT
    id: str = Id
    question: str = Field(min_length=1)
    help: str = ""
    safety: bool = Field(False, description="Precautionary: unknown leads to the safety route; asked first.")
    answers: tuple[str, ...] = Field(BINARY, min_length=2, max_length=MAX_ANSWERS)
    ask_early_when: Condition | None = Field(
        None,
        description="While this condition holds and the question is open, it is asked straight after "
        "the safety questions (its answer carries a deadline).",
    )
    answer_words: dict[str, str] = Field(
        default_factory=dict,
        description="The words a person reads for an answer other than yes / no / unknown (by answer).",
    )


class GroupSpec(BaseModel):
    """Questions asked together on one page, under one heading (safety questions stay alone)."""

    model_config = _STRICT
    id: str = Id
    title: str = Field(min_length=1, description="The page's heading, e.g. 'Has any of these happened?'.")
    facts: tuple[str, ...] = Field(min_length=2, description="The facts it may ask, in the order shown.")


class RouteSpec(BaseModel):
    """A route the advisor can recommend."""

    model_config = _STRICT
    id: str = Id
    priority: int = Field(ge=1, le=1000, strict=True, description="1 is the most urgent.")
    safety: bool = False
    title: str = Field(min_length=1)
    short_title: str | None = Field(
        None, min_length=1, description="A short name for buttons and headings ('RCD'); the title if none."
    )
    guidance: str = Field(min_length=1)
    next_steps: tuple[str, ...] = Field(min_length=1)
    contacts: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    alternative_to: tuple[str, ...] = Field(
        (), description="Routes meant as alternatives to this one: `rules check` shows any case giving both."
    )


class RuleSpec(BaseModel):
    """One rule: a condition, one effect, the reason in plain words, and its source."""

    model_config = _STRICT
    id: str = Id
    effect: Literal["recommend", "rule_out", "advice"]
    route: str | None = Field(None, description="The route recommended or ruled out.")
    requires_route: str | None = Field(
        None, description="Advice only: applies only when this route is recommended."
    )
    when: Condition
    text: str | None = Field(None, min_length=1, description="Advice only: the note.")
    first_step: bool = Field(
        False,
        description="Advice only: the note changes what to do first, so the answer's first steps "
        "lead with it when it applies to the primary route (or to any route).",
    )
    reason: str = Field(min_length=1)
    source: SourceRef
    alternative_to: tuple[str, ...] = Field(
        (),
        description="Advice only: notes (advice rule ids) meant as alternatives to this one: "
        "`rules check` shows any case giving both.",
    )


class PackDocument(BaseModel):
    """The top-level keys of a pack; each pack file holds some of them (schema for editors)."""

    model_config = _STRICT
    format: int | None = Field(
        None,
        ge=1,
        strict=True,
        description=f"The pack format the files are written in ({PACK_FORMAT}, the only one so far; "
        "leave it out for that one).",
    )
    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    title: str | None = None
    version: str | None = Field(None, pattern=SEMVER_PATTERN)
    area: str | None = None
    default_route: str | None = Field(None, description="The route when no other is recommended.")
    focus_route: str | None = Field(None, description="The route the pack is about (reported as `rcd`).")
    notice: str | None = None
    purpose: str | None = Field(None, description="What the pack helps decide, in one or two sentences.")
    sources: dict[str, Source] | None = None
    contacts: dict[str, Contact] | None = None
    facts: tuple[FactSpec, ...] | None = None
    groups: tuple[GroupSpec, ...] | None = Field(None, description="Questions the interview asks together.")
    routes: tuple[RouteSpec, ...] | None = None
    rules: tuple[RuleSpec, ...] | None = Field(None, max_length=MAX_RULES)


REQUIRED_KEYS = (
    "id",
    "version",
    "default_route",
    "focus_route",
    "notice",
    "sources",
    "facts",
    "routes",
    "rules",
)


class Pack:
    """A loaded, validated rule pack. Immutable; `sha256` identifies its exact content.

    Routes are in priority order (most urgent first); `fact`, `route` and `rule` map ids to specs.

    >>> pack = load_pack(default_pack_path())
    >>> pack.id, pack.routes[0].id, len(pack.sha256)
    ('moray-rcd', 'emergency_response', 64)
    >>> pack.fact["complex"].answers
    ('yes', 'no', 'unknown')
    """

    def __init__(self, document: PackDocument, *, path: Path, sha256: str) -> None:
        self.document = document
        self.path = path
        self.sha256 = sha256
        self.id: str = document.id or ""
        self.version: str = document.version or ""
        self.title: str = document.title or self.id
        self.notice: str = document.notice or ""
        self.sources: Mapping[str, Source] = document.sources or {}
        self.contacts: Mapping[str, Contact] = document.contacts or {}
        self.facts: tuple[FactSpec, ...] = document.facts or ()
        self.routes: tuple[RouteSpec, ...] = tuple(
            sorted(document.routes or (), key=lambda route: route.priority)
        )
        self.rules: tuple[RuleSpec, ...] = document.rules or ()
        self.default_route: str = document.default_route or ""
        self.focus_route: str = document.focus_route or ""
        self.purpose: str = document.purpose or ""
        self.groups: tuple[GroupSpec, ...] = document.groups or ()
        self.fact = {fact.id: fact for fact in self.facts}
        self.group_of = {fact: group for group in self.groups for fact in group.facts}
        self.route = {route.id: route for route in self.routes}
        self.rule = {rule.id: rule for rule in self.rules}
        self.domains: dict[str, frozenset[str]] = {f.id: frozenset(f.answers) for f in self.facts}
        self.urgency: dict[str, int] = {route.id: rank for rank, route in enumerate(self.routes)}

    @cached_property
    def normal(self) -> dict[str, Normal]:
        """Each rule's condition in negation normal form, by rule id."""
        return {rule.id: normalise(rule.when, self.domains) for rule in self.rules}

    @cached_property
    def asked_early(self) -> tuple[tuple[str, Normal], ...]:
        """The facts with an `ask_early_when`, each with that condition in negation normal form."""
        return tuple(
            (fact.id, normalise(fact.ask_early_when, self.domains))
            for fact in self.facts
            if fact.ask_early_when is not None
        )

    def find_rule(self, rule_id: str) -> RuleSpec:
        """The rule with this id, or an InputError with the closest id.

        >>> load_pack(default_pack_path()).find_rule("rcd_complx").id
        Traceback (most recent call last):
        ...
        triage._errors.InputError: unknown rule 'rcd_complx' (did you mean 'rcd_complex'?)
        """
        rule = self.rule.get(rule_id)
        if rule is None:
            raise InputError(
                f"unknown rule {describe_key(rule_id)}{did_you_mean(rule_id, self.rule)}", code="unknown_rule"
            )
        return rule

    def cite(self, ref: SourceRef) -> str:
        """A citation in words: 'Title (date), section'."""
        source = self.sources[ref.document]
        dated = "" if source.date == "unknown" else f" ({source.date})"
        return f"{source.title}{dated}, {ref.section}"

    @property
    def label(self) -> str:
        return f"{self.id} {self.version}"

    def short_title(self, route: str) -> str:
        """A route's short name for people ('RCD'): its `short_title`, or its title."""
        spec = self.route[route]
        return spec.short_title or spec.title

    def answer_words(self, fact: str, answer: str) -> str:
        """An answer in the words a person reads: Yes, No, Not sure, or the pack's words for it."""
        words = self.fact[fact].answer_words.get(answer)
        return words if words is not None else ANSWER_WORDS.get(answer, answer.replace("_", " ").capitalize())


# --- reading files ------------------------------------------------------------------------


def pack_files(folder: Path) -> list[Path]:
    """The YAML files of a pack folder, in name order (its scenarios/ folder is not part of it)."""
    if not folder.is_dir():
        raise PackError("not a folder", file=str(folder))
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError as error:  # e.g. a folder that may not be listed
        raise PackError(f"cannot read: {error.strerror or error}", file=str(folder)) from None
    if not files:
        raise PackError("no .yaml files in the pack folder", file=str(folder))
    if len(files) > MAX_FILES:
        raise PackError(f"more than {MAX_FILES} files", file=str(folder))
    return files


def read_pack_file(file: Path) -> bytes:
    """A pack file's bytes (at most MAX_FILE_BYTES), or a PackError naming the file."""
    return read_bounded_bytes(file, MAX_FILE_BYTES, lambda problem: PackError(problem, file=str(file)))


def add_to_digest(digest: Any, file: Path, raw: bytes) -> None:
    """Adds one file of a pack (its name and bytes) to the pack's sha256."""
    digest.update(file.name.encode() + b"\0" + raw + b"\0")


def pack_sha256(folder: Path) -> str:
    """The sha256 `load_pack` gives the pack in `folder`, from its files' bytes alone (no YAML is
    read): a third of a millisecond, against tens for loading it. Raises PackError as load_pack
    would for a file it cannot read."""
    digest = hashlib.sha256()
    for file in pack_files(folder):
        add_to_digest(digest, file, read_pack_file(file))
    return digest.hexdigest()


def load_pack(path: str | Path) -> Pack:
    """Load, validate and hash the rule pack in a folder.

    >>> pack = load_pack(default_pack_path())
    >>> pack.id
    'moray-rcd'

    Raises PackError naming the file, rule and field of the first problem found (`read_pack`
    finds them all, as `triage rules check` lists them).
    """
    pack, problems = read_pack(path)
    if pack is None:
        raise problems[0]
    return pack


def read_pack(path: str | Path) -> tuple[Pack | None, list[PackError]]:
    """The pack in a folder and every problem found in it: (pack, []) when it is valid, else
    (None, the problems). A problem in one file does not hide those of the others; only when the
    files hold a pack's keys are the keys' values checked, and only when those are well formed are
    the ids they refer to."""
    folder = Path(path)
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    digest = hashlib.sha256()
    problems: list[PackError] = []
    try:
        files = pack_files(folder)
    except PackError as error:
        return None, [error]
    for file in files:
        try:
            raw = read_pack_file(file)  # read once, for the data and for the pack's sha256
            data = read_yaml(file, limit=MAX_FILE_BYTES, raw=raw)
        except PackError as error:
            problems.append(error)
            continue
        add_to_digest(digest, file, raw)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(PackError("the top level must be a mapping of keys", file=str(file)))
            continue
        for key, value in data.items():
            if key in merged:
                problems.append(PackError(f"key '{key}' is also in {origin[key]}", file=str(file)))
                continue
            merged[key] = value
            origin[key] = str(file)
    newer = _newer_format(merged, origin)
    if newer is not None:
        return None, [newer]  # its other keys are read by rules this triage does not know
    if not problems:
        problems = [_missing(key, merged, origin, folder) for key in REQUIRED_KEYS if key not in merged]
    if problems:
        return None, problems
    try:
        document = PackDocument.model_validate(merged)
    except ValidationError as error:
        return None, [_pack_validation_error(item, merged, origin) for item in error.errors()]
    pack = Pack(document, path=folder, sha256=digest.hexdigest())
    problems = list(_reference_problems(pack, origin))
    return (None, problems) if problems else (pack, [])


def _newer_format(merged: Mapping[str, Any], origin: Mapping[str, str]) -> PackError | None:
    """A pack written in a format newer than this triage reads: the one problem worth naming."""
    written = merged.get("format")
    if isinstance(written, int) and not isinstance(written, bool) and written > PACK_FORMAT:
        return PackError(
            f"the pack is written in pack format {written}, and this version of triage reads format "
            f"{PACK_FORMAT}: install a newer triage to use it",
            file=origin["format"],
            field="format",
        )
    return None


def _missing(key: str, merged: Mapping[str, Any], origin: Mapping[str, str], folder: Path) -> PackError:
    """A key the pack lacks, and the unknown key that may be it misspelt."""
    import difflib  # here: only a mistake needs it

    unknown = [name for name in merged if name not in PackDocument.model_fields]
    for name in difflib.get_close_matches(key, unknown, n=1):
        hint = f" ('{name}' in {origin[name]} is not a key of a pack: is it '{key}' misspelt?)"
        return PackError(f"the pack has no '{key}'{hint}", file=str(folder))
    return PackError(f"the pack has no '{key}'", file=str(folder))


def _words_for(error: ErrorDetails) -> str:
    """A validation error in the words of the pack format: no type names, no patterns."""
    kind, value, context = error["type"], error["input"], error.get("ctx", {})
    loc = error["loc"]
    if kind == "int_type" and isinstance(value, float):  # format: 1.5 is not "a number" to fix
        return f"must be a whole number, not {value}"
    if kind in _KIND_WORDS:  # a YAML number where text belongs (version: 0.1): say what is wanted
        return f"{_KIND_WORDS[kind]}, not {describe(value)}"
    if kind == "extra_forbidden":
        return f"unknown key{did_you_mean(str(loc[-1]), _keys_beside(loc))}"
    if kind == "missing":
        return "missing: add it"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "greater_than_equal":
        return f"must be {context.get('ge')} or more, not {value}"
    if kind == "too_short":
        least = context.get("min_length", 1)
        return f"must list at least {least} item{'s' * (least != 1)}, not {len(value)}"
    if kind == "too_long":
        return f"must list at most {context.get('max_length')} items, not {len(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list, not {describe(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys, not {describe(value)}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_WORDS.get(str(context.get("pattern")), "is not in the expected form")
    if kind == "literal_error":
        suggestion = did_you_mean(str(value), re.findall(r"'([^']*)'", str(context.get("expected", ""))))
        return f"must be {context.get('expected')}{suggestion}"
    return error["msg"].replace("Value error, ", "")


_KIND_WORDS = {
    "string_type": "must be text (put it in quotes)",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
}
_PATTERN_WORDS = {
    ID_PATTERN: "must be a lower-case word: letters, digits and _, starting with a letter, at most 64",
    SEMVER_PATTERN: "must be a version such as 1.0.0",
}

# The models of the parts of a pack, by the key (or condition kind) a part sits under: where a key
# is unknown, its "did you mean" comes from the keys of the part it is in.
_PART_MODELS: dict[str, type[BaseModel]] = {
    "rules": RuleSpec,
    "facts": FactSpec,
    "routes": RouteSpec,
    "source": SourceRef,
    "leaf": Leaf,
    "all": AllOf,
    "any": AnyOf,
    "not": NotOf,
}


def _keys_beside(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the part of a pack where `loc` (ending with an unknown key) points."""
    model: type[BaseModel] = PackDocument
    if len(loc) == 3 and loc[0] in ("sources", "contacts"):  # a source or contact, by its name
        model = Source if loc[0] == "sources" else Contact
    elif len(loc) > 1:
        parent = next(str(part) for part in reversed(loc[:-1]) if isinstance(part, str))
        model = SourceRef if parent == "sources" else _PART_MODELS.get(parent, PackDocument)
    return [field.alias or name for name, field in model.model_fields.items()]


def _pack_validation_error(
    error: ErrorDetails, merged: Mapping[str, Any], origin: Mapping[str, str]
) -> PackError:
    loc = list(error["loc"])
    key = str(loc[0]) if loc else ""
    rule = None
    if key in ("rules", "facts", "routes") and len(loc) > 1 and isinstance(loc[1], int):
        item = merged[key][loc[1]]
        label = item.get("id") if isinstance(item, dict) else None
        rule = f"{label}" if label else f"#{loc[1] + 1}"
        if key != "rules":
            rule = None
            key = f"{key}[{label or loc[1] + 1}]"
        loc = loc[2:]
    else:
        loc = loc[1:]
    # Drop the union tags pydantic puts in a condition's location.
    field = ".".join(
        str(part)
        for index, part in enumerate(loc)
        if part != "leaf" and not (index + 1 < len(loc) and loc[index + 1] == part)
    )
    where = f"{key}.{field}" if field and key not in ("rules",) else (field or key)
    return PackError(
        _words_for(error),
        file=origin.get(str(error["loc"][0]) if error["loc"] else "", None),
        rule=rule,
        field=where,
    )


def _reference_problems(pack: Pack, origin: Mapping[str, str]) -> Iterator[PackError]:
    """Every id a pack refers to exists, and the pack is within the engine's bounds: a problem
    for each place where not."""

    def problem(key: str, message: str, *, rule: str | None = None, field: str | None = None) -> PackError:
        return PackError(message, file=origin.get(key), rule=rule, field=field)

    keyed: tuple[tuple[str, tuple[FactSpec | GroupSpec | RouteSpec | RuleSpec, ...]], ...] = (
        ("facts", pack.facts),
        ("groups", pack.groups),
        ("routes", pack.routes),
        ("rules", pack.rules),
    )
    for key, items in keyed:
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                yield problem(key, f"duplicate id '{item.id}'", field=f"{key}.id")
            seen.add(item.id)
    if len(pack.facts) > MAX_FACTS:
        yield problem("facts", f"more than {MAX_FACTS} facts", field="facts")
    for fact in pack.facts:
        for leaf in leaves(fact.ask_early_when) if fact.ask_early_when is not None else ():
            known = pack.domains.get(leaf.fact)
            if known is None or not set(leaf.is_) <= known:
                yield problem(
                    "facts",
                    f"unknown fact or answer in '{leaf.fact}'{did_you_mean(leaf.fact, pack.fact)}",
                    field=f"facts[{fact.id}].ask_early_when",
                )
        if fact.id in RESERVED_FACT_IDS:
            yield problem(
                "facts", f"'{fact.id}' is reserved and cannot be a fact id", field=f"facts[{fact.id}].id"
            )
        if UNKNOWN not in fact.answers or len(set(fact.answers)) != len(fact.answers):
            yield problem(
                "facts", "answers must be distinct and include 'unknown'", field=f"facts[{fact.id}].answers"
            )
        for answer in fact.answers:
            if not re.match(ID_PATTERN, answer):
                yield problem(
                    "facts", f"answer '{answer}' must be a lower-case word", field=f"facts[{fact.id}].answers"
                )
        for answer in fact.answer_words:
            if answer not in fact.answers:
                yield problem(
                    "facts", f"'{answer}' is not one of its answers", field=f"facts[{fact.id}].answer_words"
                )
    yield from _group_problems(pack, problem)
    by_priority: dict[int, RouteSpec] = {}
    for route in pack.routes:
        other = by_priority.setdefault(route.priority, route)
        if other is not route:
            yield problem(
                "routes",
                f"routes '{other.id}' and '{route.id}' share priority {route.priority}: "
                "give each route its own",
                field=f"routes[{route.id}].priority",
            )
    # Safety first is a promise of the product, not of one pack: no pack may rank another route
    # above a safety route (pack.routes is in priority order).
    first_other = next((route for route in pack.routes if not route.safety), None)
    for late in pack.routes:
        if late.safety and first_other is not None and late.priority > first_other.priority:
            yield problem(
                "routes",
                f"safety route '{late.id}' (priority {late.priority}) must be more urgent than every "
                f"other route, but '{first_other.id}' has priority {first_other.priority}",
                field=f"routes[{late.id}].priority",
            )
    for key in ("default_route", "focus_route"):
        route_id = getattr(pack, key)
        if route_id not in pack.route:
            yield problem(key, f"unknown route '{route_id}'{did_you_mean(route_id, pack.route)}", field=key)
    for contact_id, contact in pack.contacts.items():
        if contact.source not in pack.sources:
            yield problem(
                "contacts",
                f"unknown source '{contact.source}'{did_you_mean(contact.source, pack.sources)}",
                field=f"contacts.{contact_id}.source",
            )
    for route in pack.routes:
        for contact_id in route.contacts:
            if contact_id not in pack.contacts:
                yield problem(
                    "routes",
                    f"unknown contact '{contact_id}'{did_you_mean(contact_id, pack.contacts)}",
                    field=f"routes[{route.id}].contacts",
                )
        for ref in route.sources:
            if ref.document not in pack.sources:
                yield problem(
                    "routes",
                    f"unknown source '{ref.document}'{did_you_mean(ref.document, pack.sources)}",
                    field=f"routes[{route.id}].sources",
                )
        for alternative in route.alternative_to:
            if alternative not in pack.route or alternative == route.id:
                yield problem(
                    "routes",
                    f"unknown route '{alternative}'{did_you_mean(alternative, pack.route)}"
                    if alternative != route.id
                    else "a route is not an alternative to itself",
                    field=f"routes[{route.id}].alternative_to",
                )
    for rule in pack.rules:
        yield from _rule_problems(pack, rule, origin.get("rules"))


def _group_problems(pack: Pack, problem: Callable[..., PackError]) -> Iterator[PackError]:
    """Each group asks known facts, each fact in one group at most, and never a safety question:
    those are asked first and alone, so that nothing is read before them."""
    placed: dict[str, str] = {}
    for group in pack.groups:
        field = f"groups[{group.id}].facts"
        for fact in group.facts:
            if fact not in pack.fact:
                yield problem("groups", f"unknown fact '{fact}'{did_you_mean(fact, pack.fact)}", field=field)
                continue
            if pack.fact[fact].safety:
                yield problem("groups", f"'{fact}' is a safety question: it is asked alone", field=field)
            if fact in placed:
                yield problem("groups", f"'{fact}' is also in group '{placed[fact]}'", field=field)
            placed[fact] = group.id


def _rule_problems(pack: Pack, rule: RuleSpec, file: str | None) -> Iterator[PackError]:
    def problem(message: str, field: str) -> PackError:
        return PackError(message, file=file, rule=rule.id, field=field)

    if rule.effect == "advice":
        if rule.text is None:
            yield problem("an advice rule needs 'text'", "text")
        if rule.route is not None:
            yield problem("an advice rule has no 'route' (use 'requires_route')", "route")
    else:
        if rule.route is None:
            yield problem(f"a {rule.effect} rule needs 'route'", "route")
        misplaced = next(
            (field for field in ("requires_route", "text", "first_step") if getattr(rule, field)), None
        )
        if misplaced is not None:
            yield problem("'requires_route', 'text' and 'first_step' are for advice rules only", misplaced)
    for field in ("route", "requires_route"):
        route = getattr(rule, field)
        if route is not None and route not in pack.route:
            yield problem(f"unknown route '{route}'{did_you_mean(route, pack.route)}", field)
    if rule.effect == "rule_out" and rule.route in pack.route and pack.route[rule.route].safety:
        # Safety first is a promise of the product: no answer may take a safety route away.
        yield problem(f"safety route '{rule.route}' cannot be ruled out", "route")
    if rule.route is not None and rule.route == pack.default_route:
        yield problem(f"'{pack.default_route}' is the default route: it applies when no other does", "route")
    if rule.source.document not in pack.sources:
        yield problem(
            f"unknown source '{rule.source.document}'{did_you_mean(rule.source.document, pack.sources)}",
            "source.document",
        )
    notes = [other.id for other in pack.rules if other.effect == "advice" and other.id != rule.id]
    if rule.alternative_to and rule.effect != "advice":
        yield problem("'alternative_to' is for advice rules only (routes have their own)", "alternative_to")
    for other in rule.alternative_to if rule.effect == "advice" else ():
        if other not in notes:
            yield problem(f"unknown advice rule '{other}'{did_you_mean(other, notes)}", "alternative_to")
    count = 0
    for leaf in leaves(rule.when):
        count += 1
        if leaf.fact not in pack.fact:
            yield problem(f"unknown fact '{leaf.fact}'{did_you_mean(leaf.fact, pack.fact)}", "when.fact")
            continue
        for answer in leaf.is_:
            if answer not in pack.domains[leaf.fact]:
                allowed = ", ".join(pack.fact[leaf.fact].answers)
                yield problem(f"'{answer}' is not an answer of '{leaf.fact}' ({allowed})", "when.is")
    if count > MAX_LEAVES_PER_RULE:
        yield problem(f"more than {MAX_LEAVES_PER_RULE} tests in one condition", "when")
    if condition_depth(rule.when) > MAX_DEPTH:
        yield problem(f"conditions nested deeper than {MAX_DEPTH} levels", "when")


def rule_facts(rule: RuleSpec) -> tuple[str, ...]:
    return facts_read(rule.when)


def default_pack_path() -> Path:
    """The folder of the default (Moray) pack, installed or in a source checkout.

    >>> default_pack_path().name
    'moray'
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_packs" / "moray", here.parent / "rules" / "moray"):
        if candidate.is_dir():
            return candidate
    raise PackError("the default pack is not installed (expected triage/_packs/moray)")


__all__ = ["ConditionModel", "Pack", "PackDocument", "default_pack_path", "load_pack"]
