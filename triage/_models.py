"""The answer: `Recommendation` and its parts. Its JSON (`model_dump(mode="json")`) is public API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Effect = Literal["recommend", "rule_out", "advice"]
RcdStatusValue = Literal["recommended", "possible", "not_recommended"]


class RouteAdvice(BaseModel):
    """A recommended route: what to do, whom to contact, and the rules that recommend it."""

    model_config = _FROZEN
    id: str
    title: str
    next_steps: list[str]
    contacts: list[str]
    rules: list[str] = Field(description="Ids of the rules that recommend it (empty for the default route).")


class RuledOut(BaseModel):
    """A rule_out rule that fired: the route it rules out and why."""

    model_config = _FROZEN
    route: str
    rule: str
    reason: str


class RcdStatus(BaseModel):
    """Whether a Reflective Case Discussion (the pack's focus route) fits, and why."""

    model_config = _FROZEN
    status: RcdStatusValue
    reasons: list[str]


class OpenQuestion(BaseModel):
    """An unknown fact whose answer could change the primary route."""

    model_config = _FROZEN
    fact: str
    question: str


class FiredRule(BaseModel):
    """A rule whose condition held and took effect, with the answers it read and its source."""

    model_config = _FROZEN
    id: str
    effect: Effect
    route: str | None
    facts: dict[str, str]
    source: str


class Advice(BaseModel):
    """A note from an advice rule."""

    model_config = _FROZEN
    text: str
    rule: str


class Audit(BaseModel):
    """What produced this answer: pack, versions, engine, the full facts, and when."""

    model_config = _FROZEN
    pack: str
    pack_version: str
    pack_sha256: str
    engine: str
    library_version: str
    facts: dict[str, str]
    timestamp: str


class Recommendation(BaseModel):
    """The advice for one case: routes most urgent first, reasons, sources, open questions.

    It is advice to discuss, never a decision (see `notice`).
    """

    model_config = _FROZEN
    primary_route: str = Field(description="The most urgent recommended route (always one).")
    routes: list[RouteAdvice] = Field(description="Every recommended route, most urgent first.")
    ruled_out: list[RuledOut]
    rcd: RcdStatus
    provisional: bool = Field(
        description="True when some answers to the unknown facts would give another primary route."
    )
    questions: list[OpenQuestion] = Field(
        description="Unknown facts whose answer could change the primary route, most decisive first."
    )
    fired_rules: list[FiredRule]
    advice: list[Advice]
    notice: str
    audit: Audit
