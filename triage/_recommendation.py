"""The answer: `Recommendation` and its parts. Its JSON (`model_dump(mode="json")`) is public API."""

# Annotations here stay objects (no `from __future__ import annotations`): pydantic would read
# each model field's type from text, a third of what every model class costs each start.

from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def without_examples(schema: dict[str, Any]) -> None:
    """Keep a model's docstring examples (doctests, for Python readers) out of its JSON Schema
    description, which FastAPI and other tools show to the users of an API."""
    description = schema.get("description")
    if isinstance(description, str):
        schema["description"] = description.split("\n\n>>>")[0]


# defer_build: the library builds these answers itself (see _advisor) and the command line writes
# them with `plain_data`, so pydantic's validators and its plugin lookup stay off the start path.
FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True, json_schema_extra=without_examples)


class FrozenDict(dict[str, str]):
    """A dict that cannot be changed once made: the answer models are immutable all the way down
    (their lists are tuples, their dicts these).

    >>> facts = FrozenDict({"complex": "yes"})
    >>> facts["complex"], facts == {"complex": "yes"}
    ('yes', True)
    >>> facts["complex"] = "no"
    Traceback (most recent call last):
    ...
    TypeError: an answer cannot be changed: make a new one
    """

    __slots__ = ()
    refusal = "an answer cannot be changed: make a new one"

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(self.refusal)

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return FrozenDict, (dict(self),)


Facts = Annotated[dict[str, str], AfterValidator(FrozenDict)]
"""Fact id -> answer in an answer model: a FrozenDict (also when the model is validated)."""


def frozen(value: Any) -> Any:
    """Data made immutable all the way down: its lists tuples, its dicts FrozenDicts.

    >>> frozen({"routes": ["a", "b"]})
    {'routes': ('a', 'b')}
    """
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    if isinstance(value, dict):
        return FrozenDict({key: frozen(item) for key, item in value.items()})
    return value


FrozenData = Annotated[dict[str, Any], AfterValidator(frozen)]
"""A mapping of JSON data in an answer model (e.g. a draft scenario's expectation), frozen."""

Effect = Literal["recommend", "rule_out", "advice"]
RcdStatusValue = Literal["recommended", "possible", "not_recommended"]
Changes = Literal["primary_route", "focus_route", "next_steps"]


class Contact(BaseModel):
    """Someone to contact about a route, as the pack names them ('' where the pack has nothing).

    >>> import triage
    >>> contact = triage.assess({"immediate_danger": "yes"}).routes[0].contacts[0]
    >>> contact.name, contact.phone
    ('Police or ambulance: 999', '999')
    """

    model_config = FROZEN
    name: str
    role: str = Field(description="What to contact them for.")
    email: str = Field(description="An email address, or ''.")
    phone: str = Field(description="A telephone number, or ''.")
    url: str = Field(description="A web address, or ''.")
    as_of: str = Field(description="When the source named them (e.g. '2023-07'), or 'unknown'.")


class RouteAdvice(BaseModel):
    """A recommended route: what it is for, what to do, whom to contact, and the rules behind it.

    >>> import triage
    >>> route = triage.assess({"immediate_danger": "yes"}).routes[0]
    >>> route.id, route.rules
    ('emergency_response', ('er_immediate_danger',))
    """

    model_config = FROZEN
    id: str
    title: str
    safety: bool = Field(description="A safety route: act on it now, before anything else.")
    guidance: str = Field(description="What the route is for and when it fits, in plain words.")
    next_steps: tuple[str, ...]
    contacts: tuple[Contact, ...]
    rules: tuple[str, ...] = Field(
        description="Ids of the rules that recommend it (empty for the default route)."
    )


class RuledOut(BaseModel):
    """A rule_out rule that fired: the route it rules out and why.

    >>> import triage
    >>> out = triage.assess({"multiagency": "no"}).ruled_out[0]
    >>> out.route, out.rule
    ('reflective_case_discussion', 'rcd_out_single_agency')
    """

    model_config = FROZEN
    route: str
    title: str = Field(description="The title of the route ruled out.")
    rule: str
    reason: str


class RcdStatus(BaseModel):
    """Whether a Reflective Case Discussion (the pack's focus route) fits, and why.

    `status` is 'recommended', 'possible' (depends on answers not yet known) or 'not_recommended'.

    >>> import triage
    >>> triage.assess({"multiagency": "no"}).rcd.status
    'not_recommended'
    """

    model_config = FROZEN
    status: RcdStatusValue
    reasons: tuple[str, ...]


class FocusStatus(BaseModel):
    """Whether the pack's focus route fits, and why (`rcd` says the same, for Moray's RCD).

    `status` is 'recommended', 'possible' (depends on answers not yet known) or 'not_recommended'.

    >>> import triage
    >>> focus = triage.assess({"multiagency": "no"}).focus
    >>> focus.route, focus.status
    ('reflective_case_discussion', 'not_recommended')
    """

    model_config = FROZEN
    route: str = Field(description="The pack's focus route (the route the pack is about).")
    title: str
    status: RcdStatusValue
    reasons: tuple[str, ...]


class GivenAnswer(BaseModel):
    """A fact of the pack with its question and the answer it has in the case.

    >>> import triage
    >>> given = triage.assess({"immediate_danger": "yes"}).answers[0]
    >>> given.fact, given.answer
    ('immediate_danger', 'yes')
    """

    model_config = FROZEN
    fact: str
    question: str
    answer: str = Field(description="The answer ('unknown' for a fact left out).")


class OpenQuestion(BaseModel):
    """An unknown fact whose answer could change the advice, and what it could change.

    `changes` is 'primary_route' (the primary route), 'focus_route' (whether the focus route, RCD
    in Moray, is recommended) or 'next_steps' (the primary route's own advice, such as the forum).

    >>> import triage
    >>> first = triage.assess({}).questions[0]
    >>> first.fact, first.changes
    ('immediate_danger', 'primary_route')
    """

    model_config = FROZEN
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

    model_config = FROZEN
    id: str
    effect: Effect
    route: str | None
    facts: Facts
    source: str
    reason: str = Field(description="Why the rule says what it says, in plain words.")


class Advice(BaseModel):
    """A note from an advice rule.

    >>> import triage
    >>> safe = {"immediate_danger": "no", "unreported_harm_concern": "no"}
    >>> [note.rule for note in triage.assess({**safe, "child_died": "yes"}).advice]
    ['advice_child_died', 'advice_child_death_review', 'advice_looked_after_unknown']
    """

    model_config = FROZEN
    text: str
    rule: str


class FirstStep(BaseModel):
    """One of the concrete first actions for the case: a note that changes what to do first, or
    one of the primary route's own next steps.

    >>> import triage
    >>> steps = triage.assess({"unreported_harm_concern": "yes"}).first_steps
    >>> steps[0].rule, steps[-1].rule
    ('advice_danger_unknown', None)
    """

    model_config = FROZEN
    text: str
    rule: str | None = Field(
        description="The advice rule of a note, or null for the primary route's own step."
    )
    source: str = Field(
        description="What it rests on, in words (for a route's own step, the route's sources)."
    )


class Audit(BaseModel):
    """What produced this answer: pack, versions, engine, the full facts, and when.

    `facts` holds every fact of the pack, the ones left out as 'unknown'.

    >>> import triage
    >>> audit = triage.assess({"complex": "yes"}).audit
    >>> audit.pack, audit.facts["complex"], audit.facts["multiagency"]
    ('moray-rcd', 'yes', 'unknown')
    """

    model_config = FROZEN
    decision_id: str = Field(
        description="Names this decision: a sha256 (hex) of the pack's sha256, the library version and"
        " every fact's answer, so the same answers to the same pack and library always give the same id,"
        " and any other answers another (it names what was decided from what, not when: see timestamp)."
    )
    pack: str
    pack_title: str = Field(description="The question the pack answers.")
    pack_version: str
    pack_sha256: str
    engine: str
    library_version: str
    facts: Facts
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

    model_config = FROZEN
    primary_route: str = Field(description="The most urgent recommended route (always one).")
    first_steps: tuple[FirstStep, ...] = Field(
        description="What to do first, in order: the notes that change the first action for this case"
        " (safety ones first), then the primary route's own next steps."
    )
    routes: tuple[RouteAdvice, ...] = Field(description="Every recommended route, most urgent first.")
    ruled_out: tuple[RuledOut, ...]
    focus: FocusStatus = Field(description="Whether the pack's focus route fits, and why.")
    rcd: RcdStatus = Field(
        description="The same as `focus` without the route: an alias kept for compatibility (the Moray "
        "pack's focus route is the Reflective Case Discussion); new code reads `focus`."
    )
    provisional: bool = Field(
        description="True when some answers to the unknown facts would give another primary route."
    )
    questions: tuple[OpenQuestion, ...] = Field(
        description="Open questions in the order to ask them: those that could change the primary route"
        " (safety first), then whether the focus route applies, then the primary route's own advice."
    )
    fired_rules: tuple[FiredRule, ...]
    advice: tuple[Advice, ...]
    answers: tuple[GivenAnswer, ...] = Field(
        description="Every fact of the pack in its order, with its question and answer (unknown included)."
    )
    notice: str
    audit: Audit
