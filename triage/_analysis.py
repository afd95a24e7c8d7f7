"""Symbolic reasoning over a pack: which answers to the unknown facts could change the advice.

The pack's rules compile once into decision diagrams (see _decision_diagrams): one per rule, one per route
("is it recommended?") and one for the primary route. A case then restricts them: known facts
fixed, unknown facts free over their real answers (yes/no, or a named value; never "unknown",
since answering a question means giving a real answer).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple, TypeAlias, cast

from triage._case import Case
from triage._conditions import And, Normal, Test, predicate
from triage._decision_diagrams import DiagramLimit, Diagrams, Restricted
from triage._errors import PackError
from triage._pack import UNKNOWN, Pack, RuleSpec
from triage._recommendation import Changes
from triage._routes import RouteRules, SymbolicRoutes

RESTRICT_CACHE_SIZE = 4096
"""Restrictions kept, least recently used dropped first. Measured over 100,000 of the benchmark's
cases of the default pack: 22.5% of restrictions missed the 1,024 entries emptied when full,
15.4% miss this LRU (14.9% is the floor: the first sight of each case's answers), for 12 MB more
resident memory (16,384 entries: 14.9%, 57 MB more)."""

AnalysisState: TypeAlias = dict[str, Any]
"""An Analysis's compiled diagrams as plain data (see `Analysis.state`)."""


class Outlook(NamedTuple):
    """What the unknown facts of a case could still change."""

    primaries: frozenset[str]
    """Every primary route some answers to the unknown facts would give."""
    questions: tuple[tuple[str, Changes], ...]
    """The open questions (fact, what it could change), in the order to ask them: those that can
    change the primary route (safety first, then by urgency), then the focus route, then the
    primary route's own advice."""


class Analysis:
    """The compiled diagrams of one pack. Built once; read-only and thread-safe after that."""

    def __init__(self, pack: Pack, state: AnalysisState | None = None) -> None:
        """Compiles the pack's diagrams, or takes them from `state` (what `state()` gave for a
        pack of the same content, as the command line's pack cache keeps it)."""
        self.pack = pack
        self.facts = tuple(fact.id for fact in pack.facts)
        self.position = {fact: index for index, fact in enumerate(self.facts)}
        self.answers = tuple(fact.answers for fact in pack.facts)
        self._answer_index = tuple({a: i for i, a in enumerate(answers)} for answers in self.answers)
        self._real = tuple(
            tuple(i for i, answer in enumerate(answers) if answer != UNKNOWN) for answers in self.answers
        )
        self.safety_routes = frozenset(route.id for route in pack.routes if route.safety)
        if state is None:
            self._build()
        else:
            self._restore(state)
        self._support: dict[int, tuple[str, ...]] = {}
        self._readers: dict[int, Callable[[Case], tuple[str, ...]]] = {}
        self._early = tuple((fact, predicate(normal)) for fact, normal in pack.asked_early)
        self._restricted: OrderedDict[tuple[int, tuple[str, ...]], Restricted] = OrderedDict()
        self._restricted_lock = threading.Lock()  # moving and dropping entries is not atomic

    def _build(self) -> None:
        pack = self.pack
        self.diagrams = Diagrams([len(answers) for answers in self.answers])
        self.rule = {rule_id: self._compile(normal) for rule_id, normal in pack.normal.items()}
        self.routes = routes = RouteRules(pack).symbolic(self.diagrams, self.rule)
        """Route resolution over these diagrams (see _routes)."""
        self.recommended = routes.recommended
        self.applies = {route.id: routes.applies(route.id) for route in pack.routes}
        """Per route, when it is among a case's routes (the default route: when no other is)."""
        d = self.diagrams
        self.primary = routes.primary(
            lambda holds, route, rest: d.ite(holds, d.terminal(route), rest), d.terminal(pack.default_route)
        )
        # "Is R the primary route?" per route, most urgent first: a fact's question is as urgent as
        # the most urgent route whose being primary its answer can change.
        self.is_primary = {route.id: d.indicator(self.primary, route.id) for route in pack.routes}
        # Per route R: while R is the primary route, the notes of its own advice (those that
        # require it); otherwise nothing. An answer that changes only this changes R's next steps.
        none = d.terminal(None)
        self.own_advice = {
            route.id: d.ite(self.is_primary[route.id], self._own_advice(route.id), none)
            for route in pack.routes
        }

    def state(self) -> AnalysisState:
        """The compiled diagrams as plain data, for `Analysis(pack, state)`."""
        routes = self.routes
        return {
            "diagrams": self.diagrams.exported(),
            "rule": self.rule,
            "recommending": routes.recommending,
            "ruled_out": routes.ruled_out,
            "recommended": routes.recommended,
            "applies": self.applies,
            "primary": self.primary,
            "is_primary": self.is_primary,
            "own_advice": self.own_advice,
        }

    def _restore(self, state: AnalysisState) -> None:
        pack = self.pack
        self.diagrams = Diagrams.restored(state["diagrams"])
        self.rule = state["rule"]
        self.routes = SymbolicRoutes(
            self.diagrams, pack.default_route, state["recommending"], state["ruled_out"], state["recommended"]
        )
        self.recommended = self.routes.recommended
        self.applies = state["applies"]
        self.primary = state["primary"]
        self.is_primary = state["is_primary"]
        self.own_advice = state["own_advice"]

    def _compile(self, normal: Normal) -> int:
        return compile_condition(self.diagrams, normal, self.position, self._answer_index)

    def _own_advice(self, route: str) -> int:
        """The diagram of the notes that require `route` and hold."""
        d = self.diagrams
        own = d.terminal(frozenset())
        for rule in self.pack.rules:
            if rule.effect == "advice" and rule.requires_route == route:
                own = d.combine(own, self.rule[rule.id], partial(_add, rule.id))
        return own

    def shown(self, rule: RuleSpec) -> int:
        """When an advice rule's note is shown (see `note_shown`)."""
        return note_shown(self.diagrams, rule, self.rule, self.applies)

    def example(self, root: int, *, calm: bool = False) -> dict[str, str] | None:
        """Answers to some facts (the others may take any answer) under which the Boolean diagram
        `root` holds, or None when it never does. `calm`: the safety questions answered 'no'
        where that is possible, so the example is not only a safety route's."""
        d = self.diagrams
        if calm:
            for var, fact in enumerate(self.pack.facts):
                if fact.safety and "no" in fact.answers:
                    quieter = d.conjoin(root, d.test(var, frozenset((self._answer_index[var]["no"],))))
                    root = quieter if quieter != d.false else root
        path = d.satisfying(root, True)
        if path is None:
            return None
        return {self.facts[var]: self.answers[var][value] for var, value in sorted(path.items())}

    def restrict(self, root: int, case: Case, held: Collection[str] = ()) -> Restricted:
        """The diagram `root` with the case's known facts fixed and its unknown facts free.

        Facts in `held` stay fixed even when unknown (an interview's answer 'unknown' is final).
        Memoised by the answers to the facts the diagram reads (a bounded cache: cases repeat, and
        the all-unknown one is the slowest to restrict); interviews, with `held`, are not cached."""
        if held:
            return self._restrict(root, case, held)
        return self._restricted_to(root, self._answers_to(root)(case), case)

    def _restricted_to(self, root: int, answers: tuple[str, ...], case: Case) -> Restricted:
        """`restrict(root, case)`, given the case's answers to the facts the diagram reads."""
        key = (root, answers)
        cache = self._restricted
        with self._restricted_lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
                return found
        found = self._restrict(root, case, ())  # outside the lock: other threads go on
        with self._restricted_lock:
            cache[key] = found
            if len(cache) > RESTRICT_CACHE_SIZE:
                cache.popitem(last=False)
        return found

    def _restrict(self, root: int, case: Case, held: Collection[str]) -> Restricted:
        facts, index, real = self.facts, self._answer_index, self._real

        def fixed(var: int) -> int | None:
            answer = case[facts[var]]
            return None if answer == UNKNOWN and facts[var] not in held else index[var][answer]

        return self.diagrams.restrict(root, fixed, real.__getitem__)

    def outlook(self, case: Case, held: Collection[str] = ()) -> Outlook:
        """The primary routes the unknown facts could still lead to, and the open questions.

        Facts in `held` stay as answered even when unknown (see `restrict`)."""
        now = self.diagrams.evaluate(self.primary, self._value_of(case))
        restricted = self._open_restriction(self.primary, case, held)
        if restricted is None:
            # No fact the primary diagram reads is open (every answered case): nothing can change
            # the primary route, so no restriction is needed to know it.
            primaries: frozenset[str] = frozenset((str(now),))
            decisive: tuple[str, ...] = ()
        else:
            primaries = self._primaries_of(restricted)
            decisive = self.rank_questions(restricted)
        found: list[tuple[str, Changes]] = [(fact, "primary_route") for fact in decisive]
        if now not in self.safety_routes or not primaries <= self.safety_routes:
            # Not a settled safety route: the questions that could still change whether the focus
            # route applies, then those that change the primary route's own advice.
            seen = set(decisive)
            lists: tuple[tuple[int, Changes], ...] = (
                (self.recommended[self.pack.focus_route], "focus_route"),
                (self.own_advice[str(now)], "next_steps"),
            )
            for root, changes in lists:
                more = self._open_facts(root, case, held)
                found.extend((fact, changes) for fact in more if fact not in seen)
                seen.update(more)
        return Outlook(primaries=primaries, questions=self._asked_early(found, case))

    def _asked_early(self, found: list[tuple[str, Changes]], case: Case) -> tuple[tuple[str, Changes], ...]:
        """The questions with those whose `ask_early_when` holds moved to straight after the safety
        questions: their answer carries a deadline (what each could change stays as it was)."""
        early = {fact for fact, holds_for in self._early if holds_for(case)}
        moved = [question for question in found if question[0] in early]
        if not moved:
            return tuple(found)
        rest = [question for question in found if question[0] not in early]
        safety = self.pack.fact
        lead = next((i for i, (fact, _) in enumerate(rest) if not safety[fact].safety), len(rest))
        return (*rest[:lead], *moved, *rest[lead:])

    def _open_restriction(self, root: int, case: Case, held: Collection[str]) -> Restricted | None:
        """`restrict(root, case, held)`, or None when every fact the diagram reads is answered
        (or held) in the case: the usual case, which needs no restriction."""
        if held:
            return None if self._settled(root, case, held) else self._restrict(root, case, held)
        answers = self._answers_to(root)(case)
        return None if UNKNOWN not in answers else self._restricted_to(root, answers, case)

    def _settled(self, root: int, case: Case, held: Collection[str]) -> bool:
        """Whether every fact the diagram `root` reads is answered (or held) in the case."""
        return all(case[fact] != UNKNOWN or fact in held for fact in self._support_of(root))

    def _support_of(self, root: int) -> tuple[str, ...]:
        """The facts the diagram `root` reads (memoised: diagrams never change)."""
        support = self._support.get(root)
        if support is None:
            support = self._support[root] = tuple(self.facts[var] for var in self.diagrams.support(root))
        return support

    def _answers_to(self, root: int) -> Callable[[Case], tuple[str, ...]]:
        """What reads a case's answers to the facts the diagram `root` reads, in order (memoised)."""
        reader = self._readers.get(root)
        if reader is None:
            support = self._support_of(root)
            if len(support) > 1:
                reader = cast("Callable[[Case], tuple[str, ...]]", itemgetter(*support))
            else:  # itemgetter of one key gives the answer itself, not a tuple of it
                reader = partial(_answers_of, support)
            self._readers[root] = reader
        return reader

    def _open_facts(self, root: int, case: Case, held: Collection[str]) -> tuple[str, ...]:
        """The unknown facts the diagram `root` still depends on, in the pack's order."""
        restricted = self._open_restriction(root, case, held)
        return () if restricted is None else self._variables_of(restricted)

    @staticmethod
    def _primaries_of(restricted: Restricted) -> frozenset[str]:
        """The primary routes a restricted primary diagram can reach (memoised on it)."""
        found: frozenset[str] | None = restricted.memo.get("primaries")
        if found is None:
            found = restricted.memo["primaries"] = frozenset(map(str, restricted.outcomes))
        return found

    def _variables_of(self, restricted: Restricted) -> tuple[str, ...]:
        """The facts a restricted diagram still depends on, in the pack's order (memoised on it)."""
        found: tuple[str, ...] | None = restricted.memo.get("facts")
        if found is None:
            found = restricted.memo["facts"] = tuple(self.facts[var] for var in sorted(restricted.variables))
        return found

    def _value_of(self, case: Case) -> Callable[[int], int]:
        facts, index = self.facts, self._answer_index
        return lambda var: index[var][case[facts[var]]]

    def rank_questions(self, restricted: Restricted) -> tuple[str, ...]:
        """The unknown facts whose answer can change the primary route (`restricted`: the primary
        diagram restricted to a case): safety facts first, then by the urgency of the most urgent
        route whose being primary the answer can change, then in the pack's order. Worked out on
        the small restricted diagram, not by restricting each route's diagram; memoised on it."""
        found: tuple[str, ...] | None = restricted.memo.get("ranked")
        if found is None:
            found = restricted.memo["ranked"] = self._rank(restricted)
        return found

    def _rank(self, restricted: Restricted) -> tuple[str, ...]:
        # Every variable left decides some reachable route, so once one reachable route is left,
        # the variables not yet ranked all decide it: no diagram of it is needed.
        urgency: dict[int, int] = {}
        left = set(restricted.variables)
        reachable = [
            (rank, route.id) for rank, route in enumerate(self.pack.routes) if route.id in restricted.outcomes
        ]
        for index, (rank, route) in enumerate(reachable):
            deciding = left if index == len(reachable) - 1 else left.intersection(restricted.deciding(route))
            urgency.update(dict.fromkeys(deciding, rank))
            left -= deciding
            if not left:
                break
        facts = self.pack.facts
        return tuple(
            self.facts[var]
            for var in sorted(urgency, key=lambda var: (not facts[var].safety, urgency[var], var))
        )

    def could_apply(self, route: str, case: Case) -> tuple[bool, tuple[str, ...]]:
        """Whether some answers to the unknown facts put `route` among the case's routes, and the
        facts that matter."""
        root = self.applies[route]
        restricted = self._open_restriction(root, case, ())
        if restricted is None:
            return self.diagrams.evaluate(root, self._value_of(case)) is True, ()
        return True in restricted.outcomes, self._variables_of(restricted)


def compile_condition(
    d: Diagrams, normal: Normal, position: Mapping[str, int], index: Sequence[Mapping[str, int]]
) -> int:
    """A normalised condition as a Boolean diagram of the store `d`, whose variable `position[fact]`
    takes the value `index[var][answer]` for each answer."""
    if isinstance(normal, Test):
        var = position[normal.fact]
        return d.test(var, frozenset(index[var][answer] for answer in normal.answers))
    parts = [compile_condition(d, part, position, index) for part in normal.parts]
    result = parts[0]
    for part in parts[1:]:
        result = d.conjoin(result, part) if isinstance(normal, And) else d.disjoin(result, part)
    return result


def note_shown(d: Diagrams, rule: RuleSpec, holds: Mapping[str, int], applies: Mapping[str, int]) -> int:
    """When an advice rule's note is shown: the rule holds (`holds`: per rule id), and its required
    route, if it has one, applies (`applies`: per route id)."""
    if rule.requires_route is None:
        return holds[rule.id]
    return d.conjoin(holds[rule.id], applies[rule.requires_route])


def build_analysis(pack: Pack) -> Analysis:
    """The pack's Analysis, or a PackError naming the bound when its diagrams grow past it. A
    pack from the command line's cache comes with its diagrams (see `prepared`)."""
    state = _prepared.pop(pack, None)
    if state is not None:
        try:
            return Analysis(pack, state)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # not the state of an analysis (a damaged cache entry): built again below
    try:
        return Analysis(pack)
    except DiagramLimit as error:
        raise too_large(str(pack.path), error) from None


_prepared: weakref.WeakKeyDictionary[Pack, AnalysisState] = weakref.WeakKeyDictionary()


def prepared(pack: Pack, state: AnalysisState) -> None:
    """Gives the next `build_analysis(pack)` the state of an analysis of the same pack content (the
    command line's pack cache keeps it with the pack, and builds no diagrams on a hit)."""
    _prepared[pack] = state


def too_large(path: str, error: DiagramLimit) -> PackError:
    """The PackError of the pack at `path` whose decision diagrams grow past their bound."""
    return PackError(
        f"the pack's conditions need {error} (the analysis bound); simplify the conditions",
        file=path,
    )


def _add(note: str, notes: Hashable, holds: Hashable) -> Hashable:
    """The notes, with `note` added when it `holds`."""
    return frozenset((note, *cast("frozenset[str]", notes))) if holds is True else notes


def _answers_of(facts: tuple[str, ...], case: Case) -> tuple[str, ...]:
    return tuple([case[fact] for fact in facts])
