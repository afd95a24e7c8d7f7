"""The decision-diagram core (triage/_decision_diagrams.py) on its own: every operation agrees with plain
enumeration of all assignments, on random formulas over a few variables of 2 to 3 values."""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from triage._decision_diagrams import Diagrams

ARITY = (2, 3, 2, 3)
ASSIGNMENTS = list(itertools.product(*(range(size) for size in ARITY)))


@dataclass(frozen=True)
class Formula:
    """A small boolean formula: ("test", var, values), ("not", f), ("and" | "or", f, g)."""

    op: str
    parts: tuple[object, ...]

    def holds(self, values: tuple[int, ...]) -> bool:
        if self.op == "test":
            var, allowed = self.parts
            return values[var] in allowed  # type: ignore[index, operator]
        kids = [part.holds(values) for part in self.parts]  # type: ignore[attr-defined]
        if self.op == "not":
            return not kids[0]
        return all(kids) if self.op == "and" else any(kids)

    def build(self, d: Diagrams) -> int:
        if self.op == "test":
            var, allowed = self.parts
            return d.test(var, allowed)  # type: ignore[arg-type]
        kids = [part.build(d) for part in self.parts]  # type: ignore[attr-defined]
        if self.op == "not":
            return d.negate(kids[0])
        return d.conjoin(*kids) if self.op == "and" else d.disjoin(*kids)


tests = st.integers(0, len(ARITY) - 1).flatmap(
    lambda var: st.frozensets(st.integers(0, ARITY[var] - 1)).map(
        lambda values: Formula("test", (var, values))
    )
)
formulas = st.recursive(
    tests,
    lambda inner: st.one_of(
        inner.map(lambda f: Formula("not", (f,))),
        st.tuples(st.sampled_from(("and", "or")), inner, inner).map(lambda t: Formula(t[0], (t[1], t[2]))),
    ),
    max_leaves=8,
)


def value_at(d: Diagrams, root: int, values: tuple[int, ...]) -> Hashable:
    """The diagram's value for a full assignment (every variable fixed)."""
    (only,) = d.restrict(root, lambda var: values[var], lambda var: range(ARITY[var])).outcomes
    return only


@settings(max_examples=100, deadline=None)
@given(formulas)
def test_a_diagram_computes_its_formula(formula: Formula) -> None:
    d = Diagrams(ARITY)
    root = formula.build(d)
    assert [value_at(d, root, values) for values in ASSIGNMENTS] == [formula.holds(v) for v in ASSIGNMENTS]


@settings(max_examples=100, deadline=None)
@given(formulas, formulas)
def test_equal_functions_are_the_same_node(f: Formula, g: Formula) -> None:
    d = Diagrams(ARITY)
    a, b = f.build(d), g.build(d)
    same = all(f.holds(values) == g.holds(values) for values in ASSIGNMENTS)
    assert (a == b) == same
    assert d.negate(d.negate(a)) == a
    assert d.negate(d.conjoin(a, b)) == d.disjoin(d.negate(a), d.negate(b))  # De Morgan


@settings(max_examples=100, deadline=None)
@given(formulas)
def test_support_is_exactly_the_variables_the_function_depends_on(formula: Formula) -> None:
    d = Diagrams(ARITY)
    root = formula.build(d)
    depends = {
        var
        for var in range(len(ARITY))
        for values in ASSIGNMENTS
        for other in range(ARITY[var])
        if formula.holds(values) != formula.holds((*values[:var], other, *values[var + 1 :]))
    }
    assert d.support(root) == tuple(sorted(depends))


@settings(max_examples=100, deadline=None)
@given(formulas, st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=len(ARITY), max_size=len(ARITY)))
def test_restrict_reports_what_the_free_variables_can_still_reach(
    formula: Formula, partial: list[int | None]
) -> None:
    known = [None if value is None else value % ARITY[var] for var, value in enumerate(partial)]
    d = Diagrams(ARITY)
    restricted = d.restrict(formula.build(d), lambda var: known[var], lambda var: range(ARITY[var]))
    completions = [v for v in ASSIGNMENTS if all(k is None or k == x for k, x in zip(known, v, strict=True))]
    assert restricted.outcomes == {formula.holds(values) for values in completions}
    matters = {
        var
        for var in range(len(ARITY))
        if known[var] is None
        for values in completions
        for other in range(ARITY[var])
        if formula.holds(values) != formula.holds((*values[:var], other, *values[var + 1 :]))
    }
    assert set(restricted.variables) == matters


@settings(max_examples=100, deadline=None)
@given(formulas, st.booleans())
def test_satisfying_finds_a_path_to_the_target_exactly_when_there_is_one(
    formula: Formula, target: bool
) -> None:
    d = Diagrams(ARITY)
    root = formula.build(d)
    path = d.satisfying(root, target)
    if not any(formula.holds(values) == target for values in ASSIGNMENTS):
        assert path is None
        return
    assert path is not None
    # Every completion of the path reaches the target.
    for values in ASSIGNMENTS:
        if all(values[var] == value for var, value in path.items()):
            assert formula.holds(values) == target


def test_indicator_of_a_many_valued_diagram() -> None:
    d = Diagrams(ARITY)
    # A diagram with three terminal values: "low" / "mid" / "high" by variable 1.
    graded = d.node(1, (d.terminal("low"), d.terminal("mid"), d.terminal("high")))
    high = d.indicator(graded, "high")
    assert high == d.test(1, frozenset({2}))
    assert d.indicator(graded, "none") == d.false
    assert len(d.restrict(graded, lambda var: None, lambda var: range(ARITY[var])).outcomes) == 3


def test_a_restored_store_is_the_same_store_node_for_node() -> None:
    d = Diagrams([3, 2, 3])
    a, b, c = d.test(0, frozenset({0})), d.test(1, frozenset({1})), d.test(2, frozenset({0, 2}))
    both = d.conjoin(d.disjoin(a, b), d.negate(c))
    again = Diagrams.restored(d.exported())
    assert again.exported() == d.exported()
    # New work on the restored store gives the very nodes the original gives.
    assert again.disjoin(both, c) == d.disjoin(both, c)
    assert again.test(2, frozenset({1})) == d.test(2, frozenset({1}))
    assert (again.false, again.true) == (d.false, d.true)
