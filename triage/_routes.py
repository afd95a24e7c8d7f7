"""Route resolution, written once: a case's routes are those a matched rule recommends and no
matched rule rules out (a rule-out beats a recommend), most urgent first; when there is none, the
default route applies. The primary route is the first of them.

`Resolution` applies this to the rules one case matched; `RouteRules.symbolic` applies the same to
conditions over any Boolean algebra (the decision diagrams of the analysis and the pack checker),
so the advice for a case and the reasoning over all cases cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import Generic, Protocol, TypeAlias, TypeVar

from triage._conditions import And, Normal, Or, negated
from triage._pack import Pack, RuleSpec

T = TypeVar("T")
R = TypeVar("R")


class Algebra(Protocol[T]):
    """What symbolic resolution needs of conditions: false, or, and, not."""

    @property
    def false(self) -> T: ...

    def disjoin(self, a: T, b: T, /) -> T: ...

    def conjoin(self, a: T, b: T, /) -> T: ...

    def negate(self, a: T, /) -> T: ...


RuleTable: TypeAlias = Mapping[str, tuple[int, str, "str | None", "str | None", RuleSpec]]
"""Per rule id: its place in the pack, effect, route, required route and the rule itself."""


def rule_table(pack: Pack) -> RuleTable:
    return {
        rule.id: (index, rule.effect, rule.route, rule.requires_route, rule)
        for index, rule in enumerate(pack.rules)
    }


class Resolution:
    """What the rules one case matched do: its routes, its rule-outs, the advice that applies."""

    def __init__(self, pack: Pack, matched: AbstractSet[str], table: RuleTable | None = None) -> None:
        # The fired rules in the pack's order: sorting the few matches beats scanning every rule
        # (the table's first items, the places in the pack, are distinct: only they are compared).
        fired = sorted(map((rule_table(pack) if table is None else table).__getitem__, matched))
        self.ruled_out = [rule for _, effect, _, _, rule in fired if effect == "rule_out"]
        excluded = {rule.route for rule in self.ruled_out}
        recommending: dict[str, list[RuleSpec]] = {}
        for _, effect, route, _, rule in fired:
            if effect == "recommend" and route is not None and route not in excluded:
                recommending.setdefault(route, []).append(rule)
        urgency = pack.urgency
        self.routes: dict[str, list[RuleSpec]] = {
            route: recommending[route] for route in sorted(recommending, key=urgency.__getitem__)
        }
        """The routes, most urgent first, with the rules that recommend each."""
        if not self.routes:
            self.routes[pack.default_route] = []
        routes = self.routes
        self.applied: list[RuleSpec] = []
        """The rules that take effect, in the pack's order (advice only where its route applies)."""
        self.advice: list[RuleSpec] = []
        for _, effect, _, requires, rule in fired:
            if effect != "advice":
                self.applied.append(rule)
            elif requires is None or requires in routes:
                self.applied.append(rule)
                self.advice.append(rule)

    @property
    def primary(self) -> str:
        return next(iter(self.routes))


class SymbolicRoutes(Generic[T]):
    """Per route, the condition (in some algebra) under which each part of resolution holds.
    Read-only once made."""

    def __init__(
        self,
        algebra: Algebra[T],
        default_route: str,
        recommending: dict[str, T],
        ruled_out: dict[str, T],
        recommended: dict[str, T],
    ) -> None:
        self.algebra = algebra
        self.default_route = default_route
        self.recommending = recommending
        """Some recommend rule of the route holds (ruled out or not)."""
        self.ruled_out = ruled_out
        """Some rule_out rule of the route holds."""
        self.recommended = recommended
        """The route is recommended: recommending and not ruled out (never, for the default
        route)."""

    def primary(self, pick: Callable[[T, str, R], R], default: R) -> R:
        """The primary route as a choice: the most urgent route recommended, else the default.
        `pick(condition, route, rest)` is "route when condition holds, else rest" in the caller's
        terms (an if-then-else of decision diagrams, say); `default` stands for the default route."""
        chosen = default
        for route in reversed(self.recommended):
            if route != self.default_route:
                chosen = pick(self.recommended[route], route, chosen)
        return chosen

    def applies(self, route: str) -> T:
        """The route is among a case's routes: recommended, or the default route when no other is."""
        if route != self.default_route:
            return self.recommended[route]
        algebra, other = self.algebra, self.algebra.false
        for condition in self.recommended.values():
            other = algebra.disjoin(other, condition)
        return algebra.negate(other)


class RouteRules:
    """A pack's routes, most urgent first, with the rules that recommend and rule out each.
    Built once per pack; read-only after that."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.recommend = {
            route.id: tuple(r.id for r in pack.rules if r.route == route.id and r.effect == "recommend")
            for route in pack.routes
        }
        self.rule_out = {
            route.id: tuple(r.id for r in pack.rules if r.route == route.id and r.effect == "rule_out")
            for route in pack.routes
        }
        self._table = rule_table(pack)
        self.deciding = frozenset(
            rule for ids in (*self.recommend.values(), *self.rule_out.values()) for rule in ids
        )
        """The rules that decide the routes: advice rules never change them."""
        self._deciders = [
            (route.id, frozenset(self.recommend[route.id]), frozenset(self.rule_out[route.id]))
            for route in pack.routes
            if route.id != pack.default_route
        ]

    def resolve(self, matched: AbstractSet[str]) -> Resolution:
        """Everything the matched rules of one case do."""
        return Resolution(self.pack, matched, self._table)

    def primary(self, matched: AbstractSet[str]) -> str:
        """Only the primary route for the matched rules of one case (quicker than `resolve`)."""
        for route, recommend, rule_out in self._deciders:
            if not matched.isdisjoint(recommend) and matched.isdisjoint(rule_out):
                return route
        return self.pack.default_route

    def conditions(self) -> dict[str, Normal]:
        """Per route other than the default, most urgent first: when it is recommended (some
        recommend rule holds and no rule_out rule does), as one normalised condition. The primary
        route is the first route whose condition holds, else the default route."""
        pack = self.pack
        found: dict[str, Normal] = {}
        for route in self.recommend:
            if route == pack.default_route:
                continue
            recommending = Or(tuple(pack.normal[rule] for rule in self.recommend[route]))
            allowed = tuple(negated(pack.normal[rule], pack.domains) for rule in self.rule_out[route])
            found[route] = And((recommending, *allowed)) if allowed else recommending
        return found

    def symbolic(self, algebra: Algebra[T], rule: Mapping[str, T]) -> SymbolicRoutes[T]:
        """Resolution over conditions: `rule` maps every rule id to when the rule holds."""

        def any_of(ids: tuple[str, ...]) -> T:
            found = algebra.false
            for rule_id in ids:
                found = algebra.disjoin(found, rule[rule_id])
            return found

        recommending = {route: any_of(ids) for route, ids in self.recommend.items()}
        ruled_out = {route: any_of(ids) for route, ids in self.rule_out.items()}
        recommended = {
            route: algebra.false
            if route == self.pack.default_route
            else algebra.conjoin(recommending[route], algebra.negate(ruled_out[route]))
            for route in recommending
        }
        return SymbolicRoutes(algebra, self.pack.default_route, recommending, ruled_out, recommended)
