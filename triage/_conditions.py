"""Rule conditions: the file format (pydantic models) and the pure operations on them.

A condition is a leaf `{fact: ID, is: ANSWER | [ANSWERS]}`, or `{all: [...]}`, `{any: [...]}`,
`{not: ...}`. Everything here is pure: no engine, no pack, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, NamedTuple, cast

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

# defer_build: the validator is built when a pack is first validated, not at import (a command
# that loads a cached pack never needs it; see _pack_cache).
_FROZEN = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


def _answer_text(value: object) -> object:
    # YAML 1.1 reads bare yes/no as booleans; the answers are words.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class Leaf(BaseModel):
    """Holds when the fact's answer is one of the listed answers."""

    model_config = _FROZEN
    fact: str = Field(description="A fact id of the pack.")
    is_: tuple[str, ...] = Field(
        alias="is", min_length=1, description="The answer, or list of answers, that satisfy it."
    )

    @field_validator("is_", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, (list, tuple)):
            return tuple(_answer_text(item) for item in value)
        return (_answer_text(value),)

    @property
    def answers(self) -> frozenset[str]:
        return frozenset(self.is_)


class AllOf(BaseModel):
    """Holds when every condition in the list holds."""

    model_config = _FROZEN
    all_: tuple[Condition, ...] = Field(alias="all", min_length=1)


class AnyOf(BaseModel):
    """Holds when at least one condition in the list holds."""

    model_config = _FROZEN
    any_: tuple[Condition, ...] = Field(alias="any", min_length=1)


class NotOf(BaseModel):
    """Holds when the condition does not hold."""

    model_config = _FROZEN
    not_: Condition = Field(alias="not")


def _kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "fact"):
            if key in value:
                return "leaf" if key == "fact" else key
        return None
    for model, tag in ((Leaf, "leaf"), (AllOf, "all"), (AnyOf, "any"), (NotOf, "not")):
        if isinstance(value, model):
            return tag
    return None


Condition = Annotated[
    Annotated[Leaf, Tag("leaf")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")],
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys 'fact', 'all', 'any' or 'not'",
    ),
]

ConditionModel = Leaf | AllOf | AnyOf | NotOf


def children(condition: ConditionModel) -> tuple[ConditionModel, ...]:
    if isinstance(condition, AllOf):
        return condition.all_
    if isinstance(condition, AnyOf):
        return condition.any_
    if isinstance(condition, NotOf):
        return (condition.not_,)
    return ()


def leaves(condition: ConditionModel) -> Iterator[Leaf]:
    """Every leaf, in reading order."""
    if isinstance(condition, Leaf):
        yield condition
    for child in children(condition):
        yield from leaves(child)


def facts_read(condition: ConditionModel) -> tuple[str, ...]:
    """The fact ids a condition reads, first occurrence first, without repeats."""
    return tuple(dict.fromkeys(leaf.fact for leaf in leaves(condition)))


def depth(condition: ConditionModel) -> int:
    return 1 + max((depth(child) for child in children(condition)), default=0)


# --- negation normal form: what both evaluators and the analysis work on ---------------------


class _OwnKind:
    """Compares and hashes with its own kind only: an And is never equal to an Or of the same
    parts, nor to a plain tuple. The normal forms are named tuples with this, not frozen
    dataclasses: each of those costs every start of the command line about 3 million
    instructions, a named tuple a fifth of that."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple.__eq__(cast("tuple[Any, ...]", self), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, *cast("tuple[Any, ...]", self)))


class _TestFields(NamedTuple):
    fact: str
    answers: frozenset[str]


class _PartsFields(NamedTuple):
    parts: tuple[Normal, ...]


class Test(_OwnKind, _TestFields):
    """fact's answer in answers (a positive test; negations are folded into the answer set)."""

    __slots__ = ()


class And(_OwnKind, _PartsFields):
    """Every part holds."""

    __slots__ = ()


class Or(_OwnKind, _PartsFields):
    """Some part holds."""

    __slots__ = ()


Normal = Test | And | Or


def normalise(
    condition: ConditionModel, domains: Mapping[str, frozenset[str]], negate: bool = False
) -> Normal:
    """The condition in negation normal form over the facts' answer domains."""
    if isinstance(condition, Leaf):
        answers = condition.answers
        return Test(condition.fact, domains[condition.fact] - answers if negate else answers)
    if isinstance(condition, NotOf):
        return normalise(condition.not_, domains, not negate)
    parts = tuple(normalise(child, domains, negate) for child in children(condition))
    conjunction = isinstance(condition, AllOf) != negate
    return And(parts) if conjunction else Or(parts)


def negated(normal: Normal, domains: Mapping[str, frozenset[str]]) -> Normal:
    """The negation of a normalised condition, still in negation normal form."""
    if isinstance(normal, Test):
        return Test(normal.fact, domains[normal.fact] - normal.answers)
    parts = tuple(negated(part, domains) for part in normal.parts)
    return Or(parts) if isinstance(normal, And) else And(parts)


def holds(normal: Normal, case: Mapping[str, str]) -> bool:
    """Whether a normalised condition holds for a case (every fact answered, unknown explicit)."""
    if isinstance(normal, Test):
        return case[normal.fact] in normal.answers
    if isinstance(normal, And):
        return all(holds(part, case) for part in normal.parts)
    return any(holds(part, case) for part in normal.parts)


def predicate(normal: Normal) -> Callable[[Mapping[str, str]], bool]:
    """A fast closure equivalent to `holds(normal, case)`."""
    if isinstance(normal, Test):
        fact, answers = normal.fact, normal.answers
        return lambda case: case[fact] in answers
    parts = tuple(predicate(part) for part in normal.parts)
    if isinstance(normal, And):
        return lambda case: all(part(case) for part in parts)
    return lambda case: any(part(case) for part in parts)


def failed_tests(normal: Normal, case: Mapping[str, str]) -> list[Test]:
    """The tests that keep a condition from holding (empty when it holds).

    For a conjunction: the failures of each failing part; for a disjunction: every part's.
    """
    if isinstance(normal, Test):
        return [] if case[normal.fact] in normal.answers else [normal]
    if isinstance(normal, And):
        return [test for part in normal.parts for test in failed_tests(part, case)]
    if any(holds(part, case) for part in normal.parts):
        return []
    return [test for part in normal.parts for test in failed_tests(part, case)]
