"""Small random packs for property tests of the pack tools (check, coverage, diff): three facts
(27 answered cases, few enough to try every one), two routes and a default, up to seven rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from triage._pack import Pack, PackDocument

FACTS = ("a", "b", "c")
ANSWERS = ("yes", "no", "unknown")
ROUTES = ("first", "second")


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.builds(
        lambda fact, answers: {"fact": fact, "is": sorted(answers)},
        st.sampled_from(FACTS),
        st.sets(st.sampled_from(ANSWERS), min_size=1, max_size=3),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda part: {"not": part}, inner),
        ),
        max_leaves=5,
    )


@st.composite
def random_packs(draw: st.DrawFn) -> Pack:
    rules = []
    for index in range(draw(st.integers(1, 7))):
        effect = draw(st.sampled_from(("recommend", "recommend", "rule_out", "advice")))
        route = draw(st.sampled_from(ROUTES))
        rule: dict[str, Any] = {"id": f"r{index}", "effect": effect, "when": draw(conditions())}
        if effect == "advice":
            rule["requires_route"] = draw(st.sampled_from((*ROUTES, "rest")))
            rule["text"] = draw(st.sampled_from(("one note", "another note")))
        else:
            rule["route"] = route
        rules.append({**rule, "reason": "r", "source": {"document": "doc", "section": "1"}})
    document = PackDocument.model_validate(
        {
            "id": "random",
            "version": "0.0.1",
            "default_route": "rest",
            "focus_route": "first",
            "notice": "n",
            "sources": {"doc": {"title": "t", "date": "unknown"}},
            "facts": [{"id": fact, "question": "q"} for fact in FACTS],
            "routes": [
                {
                    "id": route,
                    "priority": priority,
                    "title": route,
                    "guidance": "g",
                    "next_steps": ["s"],
                    "sources": [{"document": "doc", "section": "1"}],
                }
                for priority, route in enumerate((*ROUTES, "rest"), start=1)
            ],
            "rules": rules,
        }
    )
    return Pack(document, path=Path("random"), sha256="")
