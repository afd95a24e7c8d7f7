"""Reduced ordered multi-valued decision diagrams (MDDs): the symbolic core of the analysis.

A diagram is a function from a full assignment of the variables (each one of a few values) to a
terminal value. Nodes are hash-consed and reduced, so two equal functions are the same node, and a
variable appears in a diagram exactly when the function depends on it. That is what lets the
advisor answer "could any answers to the unknown facts change the primary route?" and "which
unknown facts matter?" without enumerating the 3^20 cases of a pack.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeAlias

_TERMINAL = -1
MAX_DIAGRAM_NODES = 20_000
"""The most nodes one store may hold. Some conditions within every other bound of a pack (98 rules
`x_i and y_i` with the x facts ordered before the y facts) give diagrams that double with every
rule; the bound refuses them in well under a second instead of growing without end."""
MAX_DIAGRAM_STEPS = 4 * MAX_DIAGRAM_NODES
"""The most distinct if-then-else steps one store may take: the analysis's work, and so its time,
is bounded by counting steps rather than reading the clock, so a pack passes or fails the same
on every machine."""


Exported: TypeAlias = tuple[
    tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...], tuple[Hashable, ...]
]
"""A store of diagrams as plain data: arity, and per node its variable, children and value."""


class DiagramLimit(Exception):
    """The diagrams grew past MAX_DIAGRAM_NODES nodes or MAX_DIAGRAM_STEPS steps."""


class Restricted:
    """A diagram restricted to one case: known variables fixed, unknown ones free over `free`.

    `outcomes` is the set of terminal values some completion reaches; `variables` maps each
    variable the result still depends on to the terminal values reachable below it. `nodes` is
    the restricted diagram itself (reduced; the last node is its root): (variable, kids) per
    node, or (-1, (index into `values`,)) for a terminal. Read-only once made: it is cached and
    shared between threads. (A plain class: a frozen dataclass would cost every start of the
    command line 3 million instructions.)
    """

    __slots__ = ("memo", "nodes", "outcomes", "values", "variables")

    def __init__(
        self,
        outcomes: frozenset[Hashable],
        variables: Mapping[int, frozenset[Hashable]],
        nodes: tuple[tuple[int, tuple[int, ...]], ...] = (),
        values: tuple[Hashable, ...] = (),
    ) -> None:
        self.outcomes = outcomes
        self.variables = variables
        self.nodes = nodes
        self.values = values
        self.memo: dict[Hashable, Any] = {}
        """What has been worked out from this restriction (each entry is the same whoever computes
        it, so threads may race to fill it)."""

    def deciding(self, value: Hashable) -> frozenset[int]:
        """The variables whose value can decide, for some values of the others, whether the
        diagram reaches `value`: those of the reduced diagram "reaches `value`". Memoised."""
        key = ("deciding", value)
        found: frozenset[int] | None = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._decide(value)
        return found

    def _decide(self, value: Hashable) -> frozenset[int]:
        unique: dict[tuple[int, tuple[int, ...]], int] = {}
        found: set[int] = set()
        # Local ids 0 and 1: does not reach / reaches `value`; nodes come children first.
        reduced: list[int] = []
        for var, kids in self.nodes:
            if var == _TERMINAL:
                reduced.append(int(self.values[kids[0]] == value))
                continue
            local = tuple([reduced[kid] for kid in kids])
            if local.count(local[0]) == len(local):
                reduced.append(local[0])
                continue
            key = (var, local)
            node = unique.get(key)
            if node is None:
                node = unique[key] = len(unique) + 2
                found.add(var)
            reduced.append(node)
        return frozenset(found)


class Diagrams:
    """A store of diagrams over variables 0..n-1, variable i taking `arity[i]` values."""

    def __init__(self, arity: Sequence[int]) -> None:
        self.arity = tuple(arity)
        self._var: list[int] = []
        self._kids: list[tuple[int, ...]] = []
        self._value: list[Hashable] = []
        self._unique: dict[tuple[int, tuple[int, ...]], int] = {}
        self._terminals: dict[Hashable, int] = {}
        self._ite: dict[tuple[int, int, int], int] = {}
        self.false = self.terminal(False)
        self.true = self.terminal(True)

    def __len__(self) -> int:
        return len(self._var)

    def exported(self) -> Exported:
        """The store's nodes as plain data (arity, variable, children and value per node), from
        which `restored` builds an equal store: what a cache keeps instead of building it again."""
        return self.arity, tuple(self._var), tuple(self._kids), tuple(self._value)

    @classmethod
    def restored(cls, exported: Exported) -> Diagrams:
        """The store `exported` came from, node for node (the same ids for the same diagrams)."""
        arity, var, kids, value = exported
        store = cls(arity)
        store._var, store._kids, store._value = list(var), list(kids), list(value)
        store._unique = {
            (v, k): node for node, (v, k) in enumerate(zip(var, kids, strict=True)) if v != _TERMINAL
        }
        store._terminals = {
            val: node for node, (v, val) in enumerate(zip(var, value, strict=True)) if v == _TERMINAL
        }
        store.false, store.true = store._terminals[False], store._terminals[True]
        return store

    def terminal(self, value: Hashable) -> int:
        node = self._terminals.get(value)
        if node is None:
            node = self._new(_TERMINAL, (), value)
            self._terminals[value] = node
        return node

    def node(self, var: int, kids: tuple[int, ...]) -> int:
        """The node testing `var`, going to kids[value]; reduced and shared."""
        first = kids[0]
        if all(kid == first for kid in kids):
            return first
        key = (var, kids)
        node = self._unique.get(key)
        if node is None:
            node = self._new(var, kids, None)
            self._unique[key] = node
        return node

    def _new(self, var: int, kids: tuple[int, ...], value: Hashable) -> int:
        if len(self._var) >= MAX_DIAGRAM_NODES:
            raise DiagramLimit(f"more than {MAX_DIAGRAM_NODES:,} decision-diagram nodes")
        self._var.append(var)
        self._kids.append(kids)
        self._value.append(value)
        return len(self._var) - 1

    def test(self, var: int, values: frozenset[int]) -> int:
        """True when variable `var` takes one of `values` (value indexes)."""
        return self.node(var, tuple(self.true if v in values else self.false for v in range(self.arity[var])))

    def parts(self, node: int) -> tuple[int, tuple[int, ...]]:
        """A node's variable and children (one child per value of the variable)."""
        return self._var[node], self._kids[node]

    def is_terminal(self, node: int) -> bool:
        return self._var[node] == _TERMINAL

    def value(self, node: int) -> Hashable:
        return self._value[node]

    def _top(self, node: int) -> int:
        var = self._var[node]
        return len(self.arity) if var == _TERMINAL else var

    def _cofactor(self, node: int, var: int, value: int) -> int:
        return self._kids[node][value] if self._var[node] == var else node

    def ite(self, cond: int, then: int, other: int) -> int:
        """If `cond` (a boolean diagram) then `then` else `other`."""
        if cond == self.true or then == other:
            return then
        if cond == self.false:
            return other
        key = (cond, then, other)
        found = self._ite.get(key)
        if found is not None:
            return found
        var = min(self._top(cond), self._top(then), self._top(other))
        kids = tuple(
            self.ite(
                self._cofactor(cond, var, value),
                self._cofactor(then, var, value),
                self._cofactor(other, var, value),
            )
            for value in range(self.arity[var])
        )
        result = self.node(var, kids)
        if len(self._ite) >= MAX_DIAGRAM_STEPS:
            raise DiagramLimit(f"more than {MAX_DIAGRAM_STEPS:,} decision-diagram steps")
        self._ite[key] = result
        return result

    def combine(self, a: int, b: int, join: Callable[[Hashable, Hashable], Hashable]) -> int:
        """The diagram whose value is join(value of `a`, value of `b`) for every assignment."""
        memo: dict[tuple[int, int], int] = {}
        var_at, kids_at = self._var, self._kids

        def walk(x: int, y: int) -> int:
            found = memo.get((x, y))
            if found is None:
                if var_at[x] == _TERMINAL and var_at[y] == _TERMINAL:
                    found = self.terminal(join(self._value[x], self._value[y]))
                else:
                    var = min(self._top(x), self._top(y))
                    found = self.node(
                        var,
                        tuple(
                            walk(
                                kids_at[x][v] if var_at[x] == var else x,
                                kids_at[y][v] if var_at[y] == var else y,
                            )
                            for v in range(self.arity[var])
                        ),
                    )
                memo[(x, y)] = found
            return found

        return walk(a, b)

    def evaluate(self, root: int, value_of: Callable[[int], int]) -> Hashable:
        """The terminal value `root` gives when each variable takes `value_of(var)`."""
        node = root
        while self._var[node] != _TERMINAL:
            node = self._kids[node][value_of(self._var[node])]
        return self._value[node]

    def conjoin(self, a: int, b: int) -> int:
        return self.ite(a, b, self.false)

    def disjoin(self, a: int, b: int) -> int:
        return self.ite(a, self.true, b)

    def negate(self, a: int) -> int:
        return self.ite(a, self.false, self.true)

    def completable(
        self, root: int, unknown: Callable[[int], int | None], known: Callable[[int], Sequence[int]]
    ) -> int:
        """The Boolean diagram of the cases some completion of which satisfies `root`: where a
        variable takes its `unknown(var)` value (None: it has none), any of its `known(var)` values
        may stand in for it. Each variable is completed on its own, so the completions of a node
        are those of its children (the quantifier distributes over the variables)."""
        memo: dict[int, int] = {}

        def walk(node: int) -> int:
            found = memo.get(node)
            if found is not None:
                return found
            var = self._var[node]
            if var == _TERMINAL:
                result = node
            else:
                kids = [walk(kid) for kid in self._kids[node]]
                blank = unknown(var)
                if blank is not None:
                    some = self.false
                    for value in known(var):
                        some = self.disjoin(some, kids[value])
                    kids[blank] = some
                result = self.node(var, tuple(kids))
            memo[node] = result
            return result

        return walk(root)

    def restrict(
        self, root: int, fixed: Callable[[int], int | None], free: Callable[[int], Sequence[int]]
    ) -> Restricted:
        """Fix each variable with `fixed(var)` (a value index, or None to leave it free over
        `free(var)`), and report what the rest can still reach."""
        var_at, kids_at, value_at = self._var, self._kids, self._value
        memo: dict[int, int] = {}
        # The restricted diagram, reduced as it is built: local ids, their variable and reach.
        ids: dict[tuple[int, tuple[int, ...]], int] = {}
        var_of: list[int] = []
        reach_of: list[frozenset[Hashable]] = []
        choices: dict[int, int | None] = {}

        def walk(node: int) -> int:
            found = memo.get(node)
            if found is not None:
                return found
            var = var_at[node]
            if var == _TERMINAL:
                key: tuple[int, tuple[int, ...]] = (_TERMINAL, (node,))
                result = ids.get(key)
                if result is None:
                    result = ids[key] = len(var_of)
                    var_of.append(_TERMINAL)
                    reach_of.append(frozenset((value_at[node],)))
            else:
                choice = choices[var] if var in choices else choices.setdefault(var, fixed(var))
                if choice is not None:
                    result = walk(kids_at[node][choice])
                else:
                    kids = kids_at[node]
                    local = tuple([walk(kids[value]) for value in free(var)])
                    first = local[0]
                    if local.count(first) == len(local):
                        result = first
                    else:
                        key = (var, local)
                        result = ids.get(key)
                        if result is None:
                            result = ids[key] = len(var_of)
                            var_of.append(var)
                            reach_of.append(frozenset().union(*[reach_of[kid] for kid in local]))
            memo[node] = result
            return result

        top = walk(root)
        variables: dict[int, frozenset[Hashable]] = {}
        for var, reach in zip(var_of, reach_of, strict=True):
            if var != _TERMINAL:
                variables[var] = variables.get(var, frozenset()) | reach
        nodes: list[tuple[int, tuple[int, ...]]] = [((_TERMINAL, ()))] * len(var_of)
        values: list[Hashable] = []
        for (var, kids), local in ids.items():
            if var == _TERMINAL:
                nodes[local] = (_TERMINAL, (len(values),))
                values.append(value_at[kids[0]])
            else:
                nodes[local] = (var, kids)
        # Read-only: a restriction may be cached and shared between threads.
        return Restricted(
            outcomes=reach_of[top],
            variables=MappingProxyType(variables),
            nodes=tuple(nodes[: top + 1]),
            values=tuple(values),
        )

    def indicator(self, root: int, value: Hashable) -> int:
        """The boolean diagram "`root` reaches the terminal `value`"."""
        memo: dict[int, int] = {}

        def walk(node: int) -> int:
            found = memo.get(node)
            if found is None:
                if self._var[node] == _TERMINAL:
                    found = self.true if self._value[node] == value else self.false
                else:
                    found = self.node(self._var[node], tuple(walk(kid) for kid in self._kids[node]))
                memo[node] = found
            return found

        return walk(root)

    def support(self, root: int) -> tuple[int, ...]:
        """The variables the diagram `root` depends on, in order."""
        seen: set[int] = set()
        found: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen or self._var[node] == _TERMINAL:
                continue
            seen.add(node)
            found.add(self._var[node])
            stack.extend(self._kids[node])
        return tuple(sorted(found))

    def satisfying(self, root: int, target: Hashable) -> dict[int, int] | None:
        """One partial assignment (var -> value index) that reaches `target`, or None."""
        goal = self._terminals.get(target)
        if goal is None:
            return None
        memo: dict[int, bool] = {}

        def reaches(node: int) -> bool:
            if node not in memo:
                memo[node] = node == goal or (
                    not self.is_terminal(node) and any(reaches(kid) for kid in self._kids[node])
                )
            return memo[node]

        if not reaches(root):
            return None
        path: dict[int, int] = {}
        node = root
        while node != goal:
            value = next(v for v, kid in enumerate(self._kids[node]) if reaches(kid))
            path[self._var[node]] = value
            node = self._kids[node][value]
        return path
