"""Route resolution, written once (triage/_routes.py): a rule-out beats a recommend, the most
urgent route is primary, the default route applies when nothing else does. The per-case answer,
the quick primary route and the symbolic form (here over plain booleans) agree on any set of
matched rules, and the advisor uses it."""

from __future__ import annotations

from dataclasses import dataclass

from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import triage
from triage._pack import load_pack
from triage._routes import RouteRules

TOY = ROOT / "tests" / "packs" / "toy"

PACKS = [load_pack(ROOT / "rules" / "moray"), load_pack(ROOT / "tests" / "packs" / "toy")]


@dataclass(frozen=True)
class Booleans:
    """The two-valued algebra: symbolic resolution over it is resolution of one case."""

    false: bool = False

    def disjoin(self, a: bool, b: bool, /) -> bool:
        return a or b

    def conjoin(self, a: bool, b: bool, /) -> bool:
        return a and b

    def negate(self, a: bool, /) -> bool:
        return not a


@st.composite
def matched_rules(draw: st.DrawFn) -> tuple[int, frozenset[str]]:
    index = draw(st.integers(0, len(PACKS) - 1))
    rules = [rule.id for rule in PACKS[index].rules]
    return index, frozenset(draw(st.sets(st.sampled_from(rules))))


@settings(max_examples=300, deadline=None)
@given(matched_rules())
def test_per_case_quick_and_symbolic_resolution_agree(drawn: tuple[int, frozenset[str]]) -> None:
    index, matched = drawn
    pack = PACKS[index]
    routes = RouteRules(pack)
    resolution = routes.resolve(matched)
    symbolic = routes.symbolic(Booleans(), {rule.id: rule.id in matched for rule in pack.rules})
    applying = [route.id for route in pack.routes if symbolic.applies(route.id)]
    assert list(resolution.routes) == applying
    assert resolution.primary == routes.primary(matched) == applying[0]
    picked = symbolic.primary(lambda holds, route, rest: route if holds else rest, pack.default_route)
    assert picked == resolution.primary


def test_a_rule_out_beats_a_recommend_and_the_default_applies_when_nothing_else_does() -> None:
    pack = PACKS[0]
    routes = RouteRules(pack)
    assert list(routes.resolve(frozenset()).routes) == [pack.default_route]
    recommend = next(
        r for r in pack.rules if r.effect == "recommend" and r.route == "reflective_case_discussion"
    )
    rule_out = next(
        r for r in pack.rules if r.effect == "rule_out" and r.route == "reflective_case_discussion"
    )
    assert routes.primary(frozenset({recommend.id})) == "reflective_case_discussion"
    both = routes.resolve(frozenset({recommend.id, rule_out.id}))
    assert list(both.routes) == [pack.default_route]
    assert [rule.id for rule in both.ruled_out] == [rule_out.id]


def test_the_advisor_resolves_routes_with_it() -> None:
    advisor = triage.Advisor()
    case = advisor.case({"complex": "yes", "multiagency": "no", "reflection_sought": "yes"})
    matched = advisor.matcher.matches(case)
    resolution = advisor.route_rules.resolve(matched)
    rec = advisor.recommend(case)
    assert [route.id for route in rec.routes] == list(resolution.routes)
    assert [out.rule for out in rec.ruled_out] == [rule.id for rule in resolution.ruled_out]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_negated_condition_holds_exactly_when_the_condition_does_not(data: st.DataObject) -> None:
    from triage._conditions import holds, negated

    for pack in (triage.load_pack(triage.default_pack_path()), triage.load_pack(TOY)):
        case = {fact: data.draw(st.sampled_from(sorted(answers))) for fact, answers in pack.domains.items()}
        for normal in pack.normal.values():
            assert holds(negated(normal, pack.domains), case) is not holds(normal, case)
