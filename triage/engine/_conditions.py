"""Conditions in the durable_rules engine's form: the JSON test a normalised condition compiles to,
and how many branches that test has. Pure (no durable_rules), below both the pack loader, which
bounds a pack's branches, and the engine, which compiles the tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage._conditions import And, Normal, Test


def engine_test(normal: Normal, domains: Mapping[str, frozenset[str]]) -> dict[str, Any] | bool:
    """A durable_rules test for a normalised condition; True/False when it is constant."""
    if isinstance(normal, Test):
        answers = normal.answers
        others = sorted(domains[normal.fact] - answers)
        if not answers:
            return False
        if not others:
            return True
        if len(answers) == 1:
            return {normal.fact: next(iter(answers))}
        if len(others) <= len(answers):
            tests = [{"$neq": {normal.fact: answer}} for answer in others]
            return tests[0] if len(tests) == 1 else {"$and": tests}
        return {"$or": [{normal.fact: answer} for answer in sorted(answers)]}
    conjunction = isinstance(normal, And)
    parts = []
    for part in normal.parts:
        expression = engine_test(part, domains)
        if expression is (not conjunction):  # False in an and, True in an or, decides it
            return not conjunction
        if expression is not conjunction:
            parts.append(expression)
    if not parts:
        return conjunction
    if len(parts) == 1:
        return parts[0]
    return {"$and" if conjunction else "$or": parts}


def engine_branches(normal: Normal, domains: Mapping[str, frozenset[str]]) -> int:
    """How many alternative paths durable_rules builds for a condition: the size of the
    disjunctive form of the very test `compile_ruleset` gives it (0 when it is left out)."""
    return test_branches(engine_test(normal, domains))


def test_branches(expression: dict[str, Any] | bool) -> int:
    """How many alternative paths durable_rules builds for a test `engine_test` gave."""
    if isinstance(expression, bool):
        return int(expression)
    if "$or" in expression:
        return sum(test_branches(part) for part in expression["$or"])
    if "$and" in expression:
        product = 1
        for part in expression["$and"]:
            product *= test_branches(part)
        return product
    return 1
