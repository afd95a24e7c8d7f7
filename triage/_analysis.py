"""Symbolic reasoning over a pack: which answers to the unknown facts could change the advice.

The pack's rules compile once into decision diagrams (see _diagram): one per rule, one per route
("is it recommended?") and one for the primary route. A case then restricts them: known facts
fixed, unknown facts free over their real answers (yes/no, or a named value; never "unknown",
since answering a question means giving a real answer).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from triage._case import Case
from triage._conditions import And, Normal, Test
from triage._diagram import DiagramLimit, Diagrams, Restricted
from triage._errors import PackError
from triage._pack import UNKNOWN, Pack

RESTRICT_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Outlook:
    """What the unknown facts of a case could still change."""

    primaries: frozenset[str]
    """Every primary route some answers to the unknown facts would give."""
    questions: tuple[str, ...]
    """Unknown facts whose answer could change the primary route, most decisive first."""


class Analysis:
    """The compiled diagrams of one pack. Built once; read-only and thread-safe after that."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.facts = tuple(fact.id for fact in pack.facts)
        self.position = {fact: index for index, fact in enumerate(self.facts)}
        self.answers = tuple(fact.answers for fact in pack.facts)
        self._answer_index = tuple({a: i for i, a in enumerate(answers)} for answers in self.answers)
        self._real = tuple(
            tuple(i for i, answer in enumerate(answers) if answer != UNKNOWN) for answers in self.answers
        )
        self.diagrams = Diagrams([len(answers) for answers in self.answers])
        self.rule = {rule_id: self._compile(normal) for rule_id, normal in pack.normal.items()}
        self.recommended = {route.id: self._recommended(route.id) for route in pack.routes}
        primary = self.diagrams.terminal(pack.default_route)
        for route in reversed(pack.routes):
            if route.id != pack.default_route:
                primary = self.diagrams.ite(
                    self.recommended[route.id], self.diagrams.terminal(route.id), primary
                )
        self.primary = primary
        # "Is R the primary route?" per route, most urgent first: a fact's question is as urgent as
        # the most urgent route whose being primary its answer can change.
        self.is_primary = {route.id: self.diagrams.indicator(primary, route.id) for route in pack.routes}
        self._support: dict[int, tuple[str, ...]] = {}
        self._restricted: dict[tuple[int | str, ...], Restricted] = {}

    def _compile(self, normal: Normal) -> int:
        d = self.diagrams
        if isinstance(normal, Test):
            var = self.position[normal.fact]
            index = self._answer_index[var]
            return d.test(var, frozenset(index[answer] for answer in normal.answers))
        parts = [self._compile(part) for part in normal.parts]
        result = parts[0]
        for part in parts[1:]:
            result = d.conjoin(result, part) if isinstance(normal, And) else d.disjoin(result, part)
        return result

    def _recommended(self, route: str) -> int:
        d = self.diagrams
        if route == self.pack.default_route:
            return d.false
        recommend, rule_out = d.false, d.false
        for rule in self.pack.rules:
            if rule.route == route and rule.effect == "recommend":
                recommend = d.disjoin(recommend, self.rule[rule.id])
            elif rule.route == route and rule.effect == "rule_out":
                rule_out = d.disjoin(rule_out, self.rule[rule.id])
        return d.conjoin(recommend, d.negate(rule_out))

    def restrict(self, root: int, case: Case, held: Collection[str] = ()) -> Restricted:
        """The diagram `root` with the case's known facts fixed and its unknown facts free.

        Facts in `held` stay fixed even when unknown (an interview's answer 'unknown' is final).
        Memoised by the answers to the facts the diagram reads (a bounded cache: cases repeat, and
        the all-unknown one is the slowest to restrict); interviews, with `held`, are not cached."""
        if held:
            return self._restrict(root, case, held)
        support = self._support.get(root)
        if support is None:
            support = self._support[root] = tuple(self.facts[var] for var in self.diagrams.support(root))
        key: tuple[int | str, ...] = (root, *[case[fact] for fact in support])
        found = self._restricted.get(key)
        if found is None:
            found = self._restrict(root, case, held)
            if len(self._restricted) >= RESTRICT_CACHE_SIZE:
                self._restricted.clear()  # cheaper than LRU bookkeeping on every call
            self._restricted[key] = found
        return found

    def _restrict(self, root: int, case: Case, held: Collection[str]) -> Restricted:
        facts, index, real = self.facts, self._answer_index, self._real

        def fixed(var: int) -> int | None:
            answer = case[facts[var]]
            return None if answer == UNKNOWN and facts[var] not in held else index[var][answer]

        return self.diagrams.restrict(root, fixed, real.__getitem__)

    def outlook(self, case: Case) -> Outlook:
        """The primary routes the unknown facts could still lead to, and the questions that matter."""
        restricted = self.restrict(self.primary, case)
        primaries = frozenset(str(route) for route in restricted.outcomes)
        return Outlook(primaries=primaries, questions=self.rank_questions(case, primaries))

    def rank_questions(self, case: Case, primaries: Collection[str]) -> tuple[str, ...]:
        """The unknown facts whose answer can change the primary route: safety facts first, then by
        the urgency of the most urgent route whose being primary the answer can change, then in
        the pack's order. `primaries` are the routes the unknown facts can still lead to (only
        those can change)."""
        urgency: dict[int, int] = {}
        for rank, route in enumerate(self.pack.routes):
            if route.id in primaries:
                for var in self.restrict(self.is_primary[route.id], case).variables:
                    urgency.setdefault(var, rank)
        facts = self.pack.facts
        return tuple(
            self.facts[var]
            for var in sorted(urgency, key=lambda var: (not facts[var].safety, urgency[var], var))
        )

    def could_recommend(self, route: str, case: Case) -> tuple[bool, tuple[str, ...]]:
        """Whether some answers to the unknown facts recommend `route`, and the facts that matter."""
        restricted = self.restrict(self.recommended[route], case)
        return True in restricted.outcomes, tuple(self.facts[var] for var in sorted(restricted.variables))


def build_analysis(pack: Pack) -> Analysis:
    """The pack's Analysis, or a PackError naming the bound when its diagrams grow past it."""
    try:
        return Analysis(pack)
    except DiagramLimit as error:
        raise too_large(str(pack.path), error) from None


def too_large(path: str, error: DiagramLimit) -> PackError:
    """The PackError of the pack at `path` whose decision diagrams grow past their bound."""
    return PackError(
        f"the pack's conditions need {error} (the analysis bound); simplify the conditions",
        file=path,
    )
