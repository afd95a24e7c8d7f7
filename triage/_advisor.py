"""The advisor: answers in, `Recommendation` out.

Data flows one way: answers -> validated case -> the engine's matches -> effects (routes, rule-outs,
advice) -> the symbolic outlook (provisional, questions, RCD possible) -> Recommendation.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from triage._analysis import Analysis, build_analysis
from triage._case import Answers, Case, InputModel, make_case
from triage._errors import InputError
from triage._pack import Pack, PackDocument, default_pack_path, load_pack, pack_sha256, rule_facts
from triage._plain import made
from triage._recommendation import (
    Advice,
    Audit,
    Changes,
    Contact,
    FiredRule,
    FirstStep,
    FocusStatus,
    FrozenDict,
    GivenAnswer,
    OpenQuestion,
    RcdStatus,
    Recommendation,
    RouteAdvice,
    RuledOut,
)
from triage._routes import Resolution, RouteRules
from triage._version import __version__
from triage._wording import not_met, questions
from triage.engine import Matcher, Router, make_matcher, make_router

if TYPE_CHECKING:  # the reasoning tools load on first use, keeping `import triage` quick
    from triage._reasoning_results import Alternatives, WhatIf, WhyNot

MAX_CHANGES = 3
"""The most facts `Advisor.alternatives` changes at once (the work grows with the power of this)."""
DEFAULT_CHANGES = 2
"""How many facts `Advisor.alternatives` changes at once unless told."""
FIRED_RULES_KEPT = 4096
"""How many fired rules (a rule with the answers it read) an Advisor keeps made, for sharing: a
rule reads a few facts, so a pack's rules have a few hundred such combinations in all (the default
pack's: at most 1,056), and a pack with more keeps the first ones met."""


class Advisor:
    """Assesses cases against one rule pack. Build once, reuse.

    Thread-safe: one Advisor may be shared by any number of threads, and each gets exactly the
    answer it would get alone (tested: 8 threads x 5,000 assessments). Calls into durable_rules,
    which has no locks, are serialised by a lock per Advisor; the analysis is built once under a
    lock; the rest reads immutable data or bounded caches that give the same answer however
    threads interleave. Threads give correctness, not speed: the work holds Python's GIL. The pack
    is read once: changing its files later does not change this Advisor's answers.

    Picklable, for a process pool: a pickle holds the validated pack alone (not the engine's
    compiled rules, which live in this process), and unpickling builds the Advisor of that pack
    again, in a few milliseconds. Pass it once per worker process (docs/integration.md shows how),
    not with every task.

    >>> advisor = Advisor()
    >>> advisor.assess({"complex": "yes", "multiagency": "yes", "reflection_sought": "yes"}).rcd.status
    'recommended'
    """

    def __init__(self, pack: Pack | str | Path | None = None) -> None:
        if pack is None:
            pack = default_pack_path()
        self.pack: Pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.matcher: Matcher = make_matcher(self.pack)
        self._analysis_lock = threading.Lock()
        self._router_lock = threading.Lock()
        # What each rule shows in an answer when it fires, worked out once rather than on every
        # case: its effect, route, citation and reason, and the facts whose answers it shows.
        self._fired_parts = {
            rule.id: (
                rule.effect,
                rule.route or rule.requires_route,
                self.pack.cite(rule.source),
                rule.reason,
                rule_facts(rule),
            )
            for rule in self.pack.rules
        }
        # A fired rule with the answers it read is a frozen model: made once, shared by every
        # answer with the same answers to those facts (the first FIRED_RULES_KEPT kept).
        self._fired_made: dict[tuple[str, tuple[str, ...]], FiredRule] = {}
        # Every (fact, answer) an answer can show, built once: the models are frozen, so shared.
        self._given = {
            (fact.id, answer): made(
                GivenAnswer, {"fact": fact.id, "question": fact.question, "answer": answer}
            )
            for fact in self.pack.facts
            for answer in fact.answers
        }
        self._contacts = {
            key: made(
                Contact,
                {
                    "name": c.name,
                    "role": c.for_,
                    "email": c.email,
                    "phone": c.phone,
                    "url": c.url,
                    "as_of": c.as_of,
                },
            )
            for key, c in self.pack.contacts.items()
        }
        self.route_rules = RouteRules(self.pack)
        # Per route: the fields of its RouteAdvice that never change, its next steps and contacts
        # (tuples: every answer shares them, and none can change them).
        self._route_parts = {
            route.id: (
                {"id": route.id, "title": route.title, "safety": route.safety, "guidance": route.guidance},
                tuple(route.next_steps),
                tuple(self._contacts[c] for c in route.contacts),
            )
            for route in self.pack.routes
        }
        # The parts of an answer that are frozen models of strings alone, made once and shared by
        # every answer (nothing can change them), rather than built again on every case.
        self._ruled_out = {
            rule.id: made(
                RuledOut,
                {
                    "route": rule.route or "",
                    "title": self.pack.route[rule.route or ""].title,
                    "rule": rule.id,
                    "reason": rule.reason,
                },
            )
            for rule in self.pack.rules
            if rule.effect == "rule_out"
        }
        self._advice = {
            rule.id: made(Advice, {"text": rule.text or "", "rule": rule.id})
            for rule in self.pack.rules
            if rule.effect == "advice"
        }
        # The notes that change what to do first, and each route's own steps, as first steps.
        self._first_notes = {
            rule.id: made(
                FirstStep, {"text": rule.text or "", "rule": rule.id, "source": self.pack.cite(rule.source)}
            )
            for rule in self.pack.rules
            if rule.effect == "advice" and rule.first_step
        }
        self._route_steps = {
            route.id: tuple(
                made(
                    FirstStep,
                    {"text": step, "rule": None, "source": "; ".join(map(self.pack.cite, route.sources))},
                )
                for step in route.next_steps
            )
            for route in self.pack.routes
        }
        self._questions = {
            (fact.id, changes): made(
                OpenQuestion, {"fact": fact.id, "question": fact.question, "changes": changes}
            )
            for fact in self.pack.facts
            for changes in get_args(Changes)
        }

    def __reduce__(self) -> tuple[Any, ...]:
        pack = self.pack
        return _unpickled, (pack.document, str(pack.path), pack.sha256)

    @cached_property
    def engine(self) -> str:
        """The engine that matches the rules, as the audit names it."""
        return self.matcher.engine

    @property
    def analysis(self) -> Analysis:
        """The pack's compiled decision diagrams (built on first use)."""
        with self._analysis_lock:
            return self._analysis

    @cached_property
    def _router(self) -> Router:
        """The primary route alone, in a ruleset of its own (built on first use): one engine rule
        per route, so that a case takes one match and one action (see `make_router`)."""
        rules = self.route_rules
        return make_router(self.pack, rules.conditions(), rules.deciding, rules.primary)

    @cached_property
    def _analysis(self) -> Analysis:
        return build_analysis(self.pack)

    @cached_property
    def input_model(self) -> type[InputModel]:
        """The pack's input model: the answers as a pydantic model, one optional field per fact."""
        from triage._schema import input_model

        return input_model(self.pack)

    def case(self, answers: Answers | InputModel) -> Case:
        """Validate answers into a full case (raises InputError)."""
        return make_case(answers, self.pack)

    def given_answers(self, case: Case) -> tuple[GivenAnswer, ...]:
        """Every fact of the pack in its order, with its question and the case's answer."""
        return tuple(map(self._given.__getitem__, case.items()))

    def assess(self, answers: Answers | InputModel) -> Recommendation:
        """The advice for one case: answers maps fact ids to 'yes' / 'no' / 'unknown'.

        A fact left out is unknown. Raises InputError for an unknown fact id or a bad answer.
        """
        return self.recommend(self.case(answers))

    def primary_route(self, answers: Answers | InputModel) -> str:
        """Only the primary route of a case: the same as `assess(answers).primary_route`, validated
        as `assess` validates, and decided by the same rules engine from the same rules (each
        route's rules folded into one engine rule: one match, one action), without building the
        rest of the answer, for programs that route cases and need nothing else. Raises InputError
        as `assess` does.

        >>> Advisor().primary_route({"immediate_danger": "yes"})
        'emergency_response'
        """
        case = self.case(answers)
        with self._router_lock:
            router = self._router
        return router.primary(case)

    def recommend(self, case: Case) -> Recommendation:
        """The advice for a validated case (see `case`). Anything else is validated first, as by
        `assess`, whatever the engine."""
        pack = self.pack
        case = make_case(case, pack)
        effects = self.route_rules.resolve(self.matcher.matches(case))
        analysis = self.analysis
        outlook = analysis.outlook(case)
        primary = effects.primary
        focus = self._focus_status(case, effects)
        # Every value below is already of its field's type (made by the library from the validated
        # pack and case), so the models are built without validating it again (see _plain).
        route_parts = self._route_parts
        return made(
            Recommendation,
            {
                "primary_route": primary,
                "first_steps": self._first_steps(primary, effects),
                "routes": tuple(
                    made(
                        RouteAdvice,
                        {
                            **route_parts[route_id][0],
                            "next_steps": route_parts[route_id][1],
                            "contacts": route_parts[route_id][2],
                            "rules": tuple(rule.id for rule in rules),
                        },
                    )
                    for route_id, rules in effects.routes.items()
                ),
                "ruled_out": tuple(self._ruled_out[rule.id] for rule in effects.ruled_out),
                "focus": focus,
                "rcd": made(RcdStatus, {"status": focus.status, "reasons": focus.reasons}),
                "provisional": outlook.primaries != {primary},
                "questions": tuple(self._questions[question] for question in outlook.questions),
                "fired_rules": tuple(self._fired(rule.id, case) for rule in effects.applied),
                "advice": tuple(self._advice[rule.id] for rule in effects.advice),
                "answers": self.given_answers(case),
                "notice": pack.notice,
                "audit": made(
                    Audit,
                    {
                        "decision_id": decision_id(pack.sha256, case),
                        "pack": pack.id,
                        "pack_title": pack.title,
                        "pack_version": pack.version,
                        "pack_sha256": pack.sha256,
                        "engine": self.engine,
                        "library_version": __version__,
                        "facts": FrozenDict(case),
                        "timestamp": _timestamp(),
                    },
                ),
            },
        )

    def _first_steps(self, primary: str, effects: Resolution) -> tuple[FirstStep, ...]:
        """The first-step notes that apply to the primary route (or to any route), in pack order,
        then the route's own steps. Safety comes first: under a safety route, its own notes and
        steps ("call 999 now") come before the notes that apply to any route."""
        notes = [
            rule for rule in effects.advice if rule.first_step and rule.requires_route in (None, primary)
        ]
        note = self._first_notes
        steps = self._route_steps[primary]
        if not self.pack.route[primary].safety:
            return (*(note[rule.id] for rule in notes), *steps)
        own = (note[rule.id] for rule in notes if rule.requires_route == primary)
        return (*own, *steps, *(note[rule.id] for rule in notes if rule.requires_route is None))

    def _fired(self, rule: str, case: Case) -> FiredRule:
        effect, route, source, reason, shown = self._fired_parts[rule]
        answers = tuple(map(case.__getitem__, shown))
        key = (rule, answers)
        found = self._fired_made.get(key)
        if found is not None:
            return found
        found = made(
            FiredRule,
            {
                "id": rule,
                "effect": effect,
                "route": route,
                "facts": FrozenDict(zip(shown, answers, strict=True)),
                "source": source,
                "reason": reason,
            },
        )
        if len(self._fired_made) < FIRED_RULES_KEPT:
            self._fired_made[key] = found
        return found

    def what_if(self, answers: Answers | InputModel, changes: Answers) -> WhatIf:
        """The advice before and after changing some answers, and what changed (routes, rules).

        >>> Advisor().what_if({"immediate_danger": "no"}, {"immediate_danger": "yes"}).changed.primary_route
        True
        """
        from triage._whatif import what_if

        return what_if(self, answers, changes)

    def alternatives(self, answers: Answers | InputModel, max_changes: int = DEFAULT_CHANGES) -> Alternatives:
        """Every minimal change of answers, of up to `max_changes` facts (1 to 3), that gives another
        primary route: fewest facts first, then the most urgent new primary route.

        >>> Advisor().alternatives({}).alternatives[0].set
        {'immediate_danger': 'yes'}
        """
        from triage._whatif import alternatives

        if not 1 <= max_changes <= MAX_CHANGES:
            raise InputError(
                f"max changes must be from 1 to {MAX_CHANGES}, not {max_changes}",
                code="bad_field",
                field="max_changes",
            )
        return alternatives(self, answers, max_changes)

    def why_not(self, answers: Answers | InputModel, route: str) -> WhyNot:
        """Why a route is not (or is) recommended: the rules that could recommend it and what each
        lacks, the rules that rule it out, and whether unknown answers could still change that.

        >>> Advisor().why_not({"multiagency": "no"}, "reflective_case_discussion").ruled_out_by[0].rule
        'rcd_out_single_agency'
        """
        from triage._why_not import why_not

        return why_not(self, answers, route)

    def _focus_status(self, case: Case, effects: Resolution) -> FocusStatus:
        """Whether the pack's focus route (RCD in Moray) fits, with reasons in words."""
        pack, focus = self.pack, self.pack.focus_route
        title = pack.route[focus].title
        if focus in effects.routes:
            reasons = [rule.reason for rule in effects.routes[focus]]
            if effects.primary != focus:
                reasons.append(f"{pack.route[effects.primary].title} comes first.")
            return made(
                FocusStatus,
                {"route": focus, "title": title, "status": "recommended", "reasons": tuple(reasons)},
            )
        reasons = [rule.reason for rule in effects.ruled_out if rule.route == focus]
        possible, facts = self.analysis.could_apply(focus, case)
        if possible:
            reasons.append(f"{title} could fit, depending on answers not yet known: {questions(pack, facts)}")
            return made(
                FocusStatus, {"route": focus, "title": title, "status": "possible", "reasons": tuple(reasons)}
            )
        if not reasons:
            reasons.extend(
                not_met(pack, rule.id, case)
                for rule in pack.rules
                if rule.effect == "recommend" and rule.route == focus
            )
        return made(
            FocusStatus,
            {"route": focus, "title": title, "status": "not_recommended", "reasons": tuple(reasons)},
        )


_stamp: tuple[int, str] = (-1, "")


def decision_id(pack_sha256: str, case: Case) -> str:
    """The id of the decision on a case: the sha256 of the pack's sha256, the library version and
    every fact's answer (in the pack's order), so it is the same wherever and whenever the same
    answers meet the same pack and library.

    >>> advisor = Advisor()
    >>> rec = advisor.assess({"complex": "yes"})
    >>> rec.audit.decision_id == decision_id(advisor.pack.sha256, advisor.case({"complex": "yes"}))
    True
    """
    text = "\n".join(["triage decision 1", pack_sha256, __version__, *map("=".join, case.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def _timestamp() -> str:
    """Now, in UTC, to the second: `datetime.now(UTC).isoformat(timespec="seconds")`,
    written once a second rather than once an answer (threads may race to write it: each writes
    the same text for the same second)."""
    global _stamp
    second, stamp = int(time.time()), _stamp  # one read: another thread may replace it meanwhile
    if stamp[0] != second:
        stamp = _stamp = (second, datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds"))
    return stamp[1]


_default: Advisor | None = None
_default_lock = threading.Lock()


def default_advisor() -> Advisor:
    """The shared Advisor of the default pack (built on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Advisor()
        return _default


def _unpickled(document: PackDocument, path: str, sha256: str) -> Advisor:
    return Advisor(Pack(document, path=Path(path), sha256=sha256))


ADVISORS_KEPT = 8
"""How many Advisors `assess(answers, pack=...)` keeps, the most recently used, by pack sha256."""
_advisors: OrderedDict[str, Advisor] = OrderedDict()
_advisors_lock = threading.Lock()


def advisor_of(pack: Pack | str | Path) -> Advisor:
    """The Advisor of a pack (a loaded one or a folder), built only when none of the last
    `ADVISORS_KEPT` used has the same sha256. A folder's files are hashed on every call (a third
    of a millisecond), so an edited pack is never answered by its old rules."""
    sha256 = pack.sha256 if isinstance(pack, Pack) else pack_sha256(Path(pack))
    with _advisors_lock:
        found = _advisors.get(sha256)
        if found is not None:
            _advisors.move_to_end(sha256)
            return found
    advisor = Advisor(pack)  # outside the lock: loading takes tens of milliseconds
    with _advisors_lock:
        # Keyed by what was loaded: the files may have changed since they were hashed above.
        _advisors[advisor.pack.sha256] = advisor
        _advisors.move_to_end(advisor.pack.sha256)
        while len(_advisors) > ADVISORS_KEPT:
            _advisors.popitem(last=False)
    return advisor


def assess(answers: Answers | InputModel, *, pack: Pack | str | Path | None = None) -> Recommendation:
    """The advice for one case, on the default pack unless `pack` is given.

    With `pack`, the Advisor comes from a small cache by the pack's sha256 (`advisor_of`): the
    first call on a pack loads it (tens of milliseconds), later ones hash its files (a third of a
    millisecond) and reuse it. For many cases, build one `Advisor` and call it.

    >>> assess({"immediate_danger": "yes"}).primary_route
    'emergency_response'
    """
    advisor = default_advisor() if pack is None else advisor_of(pack)
    return advisor.assess(answers)
