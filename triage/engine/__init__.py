"""The engine behind one door: which rules hold for a case, and its primary route.

durable_rules (`_durable_rules`, the only module that imports it) where it can be imported; otherwise
the pure-Python reference evaluator (`_reference`), which the analysis and the tests use too. An
engine checks its own limits when it compiles a pack, raising PackError; the pack loader knows
none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from triage._conditions import Normal
from triage._pack import Pack
from triage.engine import _durable_rules
from triage.engine._durable_rules import DurableMatcher, DurableRouter, route_ruleset
from triage.engine._protocol import Matcher, MatchingRouter, Router
from triage.engine._reference import ReferenceMatcher

__all__ = ["Matcher", "MatchingRouter", "ReferenceMatcher", "Router", "make_matcher", "make_router"]


def make_matcher(pack: Pack, rules: Collection[str] | None = None) -> Matcher:
    """durable_rules where it can be imported; otherwise the reference evaluator, which says why
    in its `engine`. With `rules`, only the rules named there are matched."""
    if _durable_rules.IMPORT_ERROR is not None:
        return ReferenceMatcher(pack, rules, stands_in_because=_durable_rules.IMPORT_ERROR)
    return DurableMatcher(pack, rules)


def make_router(
    pack: Pack,
    conditions: Mapping[str, Normal],
    deciding: Collection[str],
    primary: Callable[[frozenset[str]], str],
) -> Router:
    """A DurableRouter where durable_rules can be imported and the routes compile within the
    engine's bound; otherwise the primary route from the matches of the `deciding` rules."""
    if _durable_rules.IMPORT_ERROR is None:
        ruleset = route_ruleset(pack, conditions)
        if ruleset is not None:
            router = DurableRouter.compiled(pack, ruleset)
            if router is not None:
                return router
    return MatchingRouter(make_matcher(pack, deciding), primary)
