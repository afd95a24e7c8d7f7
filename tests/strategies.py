"""Hypothesis strategies for cases of the default pack."""

from __future__ import annotations

from hypothesis import strategies as st
from oracle import BINARY_FACTS, PLAN_STATUS

ANSWER = st.sampled_from(("yes", "no", "unknown"))


def cases(max_unknown: int | None = None) -> st.SearchStrategy[dict[str, str]]:
    """Full cases (every fact answered, unknown explicit), optionally with few unknowns."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str]:
        facts = {fact: draw(ANSWER) for fact in BINARY_FACTS}
        facts["plan_status"] = draw(st.sampled_from(PLAN_STATUS))
        if max_unknown is not None:
            unknown = [k for k, v in facts.items() if v == "unknown"]
            keep = draw(st.permutations(unknown))[:max_unknown]
            for fact in unknown:
                if fact not in keep:
                    facts[fact] = draw(
                        st.sampled_from(PLAN_STATUS[:-1] if fact == "plan_status" else ("yes", "no"))
                    )
        return facts

    return build()


def partial_answers() -> st.SearchStrategy[dict[str, object]]:
    """Answers as a program would send them: some facts left out, JSON booleans and null too."""
    value = st.sampled_from(("yes", "no", "unknown", True, False, None))
    return st.dictionaries(st.sampled_from(BINARY_FACTS), value, max_size=len(BINARY_FACTS))
