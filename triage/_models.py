"""The answer: `Recommendation` and its parts. Its JSON (`model_dump(mode="json")`) is public API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Effect = Literal["recommend", "rule_out", "advice"]
RcdStatusValue = Literal["recommended", "possible", "not_recommended"]
Changes = Literal["primary_route", "focus_route", "next_steps"]


class RouteAdvice(BaseModel):
    """A recommended route: what to do, whom to contact, and the rules that recommend it.

    >>> import triage
    >>> route = triage.assess({"immediate_danger": "yes"}).routes[0]
    >>> route.id, route.rules
    ('emergency_response', ['er_immediate_danger'])
    """

    model_config = _FROZEN
    id: str
    title: str
    next_steps: list[str]
    contacts: list[str]
    rules: list[str] = Field(description="Ids of the rules that recommend it (empty for the default route).")


class RuledOut(BaseModel):
    """A rule_out rule that fired: the route it rules out and why.

    >>> import triage
    >>> out = triage.assess({"multiagency": "no"}).ruled_out[0]
    >>> out.route, out.rule
    ('reflective_case_discussion', 'rcd_out_single_agency')
    """

    model_config = _FROZEN
    route: str
    rule: str
    reason: str


class RcdStatus(BaseModel):
    """Whether a Reflective Case Discussion (the pack's focus route) fits, and why.

    `status` is 'recommended', 'possible' (depends on answers not yet known) or 'not_recommended'.

    >>> import triage
    >>> triage.assess({"multiagency": "no"}).rcd.status
    'not_recommended'
    """

    model_config = _FROZEN
    status: RcdStatusValue
    reasons: list[str]


class OpenQuestion(BaseModel):
    """An unknown fact whose answer could change the advice, and what it could change.

    `changes` is 'primary_route' (the primary route), 'focus_route' (whether the focus route, RCD
    in Moray, is recommended) or 'next_steps' (the primary route's own advice, such as the forum).

    >>> import triage
    >>> first = triage.assess({}).questions[0]
    >>> first.fact, first.changes
    ('immediate_danger', 'primary_route')
    """

    model_config = _FROZEN
    fact: str
    question: str
    changes: Changes = Field(description="What its answer could change (the questions are ordered by it).")


class FiredRule(BaseModel):
    """A rule whose condition held and took effect, with the answers it read and its source.

    >>> import triage
    >>> rule = triage.assess({"immediate_danger": "yes"}).fired_rules[0]
    >>> rule.id, rule.effect, rule.facts
    ('er_immediate_danger', 'recommend', {'immediate_danger': 'yes'})
    """

    model_config = _FROZEN
    id: str
    effect: Effect
    route: str | None
    facts: dict[str, str]
    source: str


class Advice(BaseModel):
    """A note from an advice rule.

    >>> import triage
    >>> safe = {"immediate_danger": "no", "unreported_harm_concern": "no"}
    >>> [note.rule for note in triage.assess({**safe, "child_died": "yes"}).advice]
    ['advice_child_died']
    """

    model_config = _FROZEN
    text: str
    rule: str


class Audit(BaseModel):
    """What produced this answer: pack, versions, engine, the full facts, and when.

    `facts` holds every fact of the pack, the ones left out as 'unknown'.

    >>> import triage
    >>> audit = triage.assess({"complex": "yes"}).audit
    >>> audit.pack, audit.facts["complex"], audit.facts["multiagency"]
    ('moray-rcd', 'yes', 'unknown')
    """

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

    It is advice to discuss, never a decision (see `notice`). `model_dump(mode="json")` gives its
    JSON, which is public API (schema: `triage schema output`).

    >>> import triage
    >>> rec = triage.assess({"immediate_danger": "no", "unreported_harm_concern": "no", "complex": "yes"})
    >>> rec.primary_route, rec.provisional
    ('no_additional_route', True)
    >>> rec.questions[0].fact  # could bring in escalation, the most urgent route still open
    'professional_disagreement'
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
        description="Open questions in the order to ask them: those that could change the primary route"
        " (safety first), then whether the focus route applies, then the primary route's own advice."
    )
    fired_rules: list[FiredRule]
    advice: list[Advice]
    notice: str
    audit: Audit
