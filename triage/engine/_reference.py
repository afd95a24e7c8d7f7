"""The pure-Python reference evaluator: which rules' conditions hold for a case.

It reads the same rule data as the durable_rules engine, and the tests show both give the same
matches on every case they generate. The analysis and the fallback engine use it too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from triage._conditions import predicate
from triage._pack import Pack


class ReferenceMatcher:
    """Evaluates each rule's condition (of those named in `rules`, if given) with plain Python
    predicates. Thread-safe (no state)."""

    name = "reference"

    def __init__(
        self, pack: Pack, rules: Collection[str] | None = None, *, stands_in_because: str | None = None
    ) -> None:
        self.engine = "reference evaluator"
        if stands_in_because is not None:
            self.engine += f" (durable_rules unavailable: {stands_in_because})"
        self._predicates = tuple(
            (rule_id, predicate(normal))
            for rule_id, normal in pack.normal.items()
            if rules is None or rule_id in rules
        )

    def matches(self, case: Mapping[str, str]) -> frozenset[str]:
        """The ids of the rules whose condition holds for a full assignment of the pack's facts
        (a validated Case, or one the reasoning tools build from it)."""
        return frozenset(rule_id for rule_id, holds in self._predicates if holds(case))
