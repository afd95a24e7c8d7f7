"""Hypothesis strategies for cases of the default pack, drawn from the pack's own facts and answers
(so that a fact added to the pack is drawn too, and these strategies never pin its content)."""

from __future__ import annotations

from conftest import default_pack
from hypothesis import strategies as st

PACK = default_pack()
FACTS = tuple(PACK.fact)
"""Every fact of the pack, in the pack's order."""
YES_NO_FACTS = tuple(fact.id for fact in PACK.facts if tuple(fact.answers) == ("yes", "no", "unknown"))
"""The facts answered yes, no or unknown (the others have answers of their own)."""
SAFETY_ROUTES = frozenset(route.id for route in PACK.routes if route.safety)


def answers_of(fact: str, known: bool = False) -> tuple[str, ...]:
    """A fact's answers in the pack's order; `known` leaves out unknown."""
    return tuple(answer for answer in PACK.fact[fact].answers if not (known and answer == "unknown"))


def cases(max_unknown: int | None = None) -> st.SearchStrategy[dict[str, str]]:
    """Full cases (every fact answered, unknown explicit), optionally with few unknowns."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str]:
        facts = {fact: draw(st.sampled_from(answers_of(fact))) for fact in FACTS}
        if max_unknown is not None:
            unknown = [k for k, v in facts.items() if v == "unknown"]
            keep = draw(st.permutations(unknown))[:max_unknown]
            for fact in unknown:
                if fact not in keep:
                    facts[fact] = draw(st.sampled_from(answers_of(fact, known=True)))
        return facts

    return build()


def partial_answers() -> st.SearchStrategy[dict[str, object]]:
    """Answers as a program would send them: some facts left out, JSON booleans and null too."""
    value = st.sampled_from(("yes", "no", "unknown", True, False, None))
    return st.dictionaries(st.sampled_from(YES_NO_FACTS), value, max_size=len(YES_NO_FACTS))


@st.composite
def changes(draw: st.DrawFn) -> dict[str, str]:
    """A change of one to three answers."""
    facts = draw(st.lists(st.sampled_from(FACTS), min_size=1, max_size=3, unique=True))
    return {fact: draw(st.sampled_from(answers_of(fact))) for fact in facts}
