"""What a user could pick instead of triage: the default pack's primary route, written by hand for
other engines (DOMAIN.md's table of the decision semantics, pack 1.1).

Each peer takes a full case (every fact of the pack, unknown answers explicit: the peers get the
completion and validation that triage does for free) and returns the primary route only. The
benchmark checks every peer against tests/moray/oracle.py before timing it.

Peers: a hand-written if-chain (the floor), a plain durable_rules Host API program (`post`, `pri`),
a zen-engine decision table (hit policy "first"), and rule-engine with one rule per route.

Run as a program, it is one of the two batch programs benchmarks/run.py compares as processes
(JSON Lines in, one `{"primary_route": ...}` line out per case):

    python benchmarks/peers.py triage-batch IN.jsonl OUT.jsonl   # Advisor.primary_route per line
    python benchmarks/peers.py zen-batch IN.jsonl OUT.jsonl      # zen-engine's evaluate_batch
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

Case = Mapping[str, str]

ROUTES = (
    "emergency_response",
    "child_protection_referral",
    "multiagency_escalation",
    "decision_forum",
    "learning_review_notification",
    "reflective_case_discussion",
    "single_agency_route",
    "no_additional_route",
)
DEFAULT = ROUTES[-1]

# Each route's "recommended when" (rule-outs folded in), in disjunctive form: a route holds when any
# of its branches does; a branch is (fact, operator, answer) tests that must all hold. One table,
# translated into each engine's own syntax below; the if-chain is written out by hand on purpose.
Y, N, U = "yes", "no", "unknown"
IS, NOT = "==", "!="
_RCD_ALLOWED = (("reflection_sought", NOT, N), ("child_died", NOT, Y), ("multiagency", IS, Y))
BRANCHES: dict[str, list[list[tuple[str, str, str]]]] = {
    "emergency_response": [[("immediate_danger", IS, Y)]],
    "child_protection_referral": [[("unreported_harm_concern", NOT, N)], [("immediate_danger", IS, U)]],
    "multiagency_escalation": [
        [("agency_not_responding", IS, Y), ("within_one_agency", NOT, Y)],
        [("professional_disagreement", IS, Y), ("within_one_agency", NOT, Y)],
    ],
    "decision_forum": [[("decision_sought", IS, Y)]],
    "learning_review_notification": [
        [("significant_harm", IS, Y), ("interagency_learning", NOT, N)],
        [("carm_harm", IS, Y), ("interagency_learning", NOT, N)],
        [("effective_practice", IS, Y), ("interagency_learning", IS, Y)],
        [("child_died", IS, Y), ("interagency_learning", NOT, N)],
        [("child_died", IS, Y), ("looked_after", IS, Y)],
    ],
    "reflective_case_discussion": [
        [*_RCD_ALLOWED, ("complex", IS, Y)],
        [*_RCD_ALLOWED, ("not_progressing", IS, Y), ("drift_reason_known", IS, N)],
    ],
    "single_agency_route": [
        [("complaint_or_conduct", IS, Y)],
        [("professional_disagreement", IS, Y), ("within_one_agency", IS, Y)],
        [("agency_not_responding", IS, Y), ("within_one_agency", IS, Y)],
    ],
}


FACTS = tuple(
    sorted({fact for branches in BRANCHES.values() for branch in branches for fact, _, _ in branch})
)
"""The facts the decision semantics read: what a peer must complete (unknown when left out)."""


def if_chain(f: Case) -> str:
    """The floor: the table as plain Python."""
    if f["immediate_danger"] == Y:
        return "emergency_response"
    if f["unreported_harm_concern"] != N or f["immediate_danger"] == U:
        return "child_protection_referral"
    raised = f["agency_not_responding"] == Y or f["professional_disagreement"] == Y
    within = f["within_one_agency"] == Y
    if raised and not within:
        return "multiagency_escalation"
    if f["decision_sought"] == Y:
        return "decision_forum"
    died, learning = f["child_died"] == Y, f["interagency_learning"]
    if (
        ((f["significant_harm"] == Y or f["carm_harm"] == Y) and learning != N)
        or (f["effective_practice"] == Y and learning == Y)
        or (died and (learning != N or f["looked_after"] == Y))
    ):
        return "learning_review_notification"
    if (
        f["multiagency"] == Y
        and f["reflection_sought"] != N
        and not died
        and (f["complex"] == Y or (f["not_progressing"] == Y and f["drift_reason_known"] == N))
    ):
        return "reflective_case_discussion"
    if f["complaint_or_conduct"] == Y or (raised and within):
        return "single_agency_route"
    return DEFAULT


# --- durable_rules, Host API ----------------------------------------------------------------------


def durable_host() -> Callable[[Case], str]:
    """A plain durable_rules program: one rule per route with `pri` = its urgency, a catch-all
    for the default route, and each case `post`ed as an event (consumed by the first rule that
    fires, so the most urgent route wins). The Host subclass starts no timer threads (DESIGN.md's
    engine notes: they crash); every rule is guarded by `kind == "case"` so that the re-asserted
    session state never matches."""
    from durable import engine

    class ThreadFreeHost(engine.Host):  # type: ignore[misc]
        def _run(self) -> None:
            pass

    found: list[str] = []
    guard = {"kind": "case"}

    def test(fact: str, operator: str, answer: str) -> dict[str, Any]:
        return {fact: answer} if operator == IS else {"$neq": {fact: answer}}

    def action(route: str) -> Callable[[Any], None]:
        def run(_context: Any) -> None:
            found.append(route)

        return run

    rules: dict[str, Any] = {}
    for rank, route in enumerate(ROUTES):
        branches = BRANCHES.get(route, [[]])
        condition = [
            {"$and": [guard, *(test(*part) for part in branch)]} if branch else guard for branch in branches
        ]
        rules[route] = {
            "all": [{"m": condition[0] if len(condition) == 1 else {"$or": condition}}],
            "pri": rank + 1,
            "run": action(route),
        }
    host = ThreadFreeHost()
    host.set_rulesets({"peer_routes": rules})

    def primary(case: Case) -> str:
        found.clear()
        host.post("peer_routes", {**case, "kind": "case"})
        return found[0]

    return primary


# --- zen-engine -----------------------------------------------------------------------------------


def zen_decision() -> dict[str, Any]:
    """A JSON decision model: input -> one decision table (hit policy first) -> output."""
    rows = []
    for route in ROUTES:
        for branch in BRANCHES.get(route, [[]]):
            row = {"_id": f"r{len(rows)}", "route": json.dumps(route)}
            for fact, operator, answer in branch:
                row[f"in_{fact}"] = json.dumps(answer) if operator == IS else f"!= {json.dumps(answer)}"
            rows.append(row)
    table = {
        "hitPolicy": "first",
        "inputs": [{"id": f"in_{fact}", "name": fact, "field": fact} for fact in FACTS],
        "outputs": [{"id": "route", "name": "route", "field": "route"}],
        "rules": rows,
    }
    place = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "input", "type": "inputNode", "name": "case", "position": place},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "routes",
                "position": place,
                "content": table,
            },
            {"id": "output", "type": "outputNode", "name": "route", "position": place},
        ],
        "edges": [
            {"id": "e1", "sourceId": "input", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "output", "type": "edge"},
        ],
    }


def zen_engine() -> tuple[Callable[[Case], str], Callable[[list[Case]], list[str]]]:
    """zen-engine: one case per `evaluate` call, and its own `evaluate_batch` call."""
    import zen

    model = zen_decision()
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"routes": model}}})
    decision = engine.create_decision(json.dumps(model))

    def primary(case: Case) -> str:
        return str(decision.evaluate(dict(case))["result"]["route"])

    def batch(cases: list[Case]) -> list[str]:
        answers = engine.evaluate_batch([{"key": "routes", "context": dict(case)} for case in cases])
        return [str(answer["data"]["result"]["route"]) for answer in answers]

    return primary, batch


# --- rule-engine ----------------------------------------------------------------------------------


def rule_engine() -> Callable[[Case], str]:
    """rule-engine: one rule per route, tried in order of urgency."""
    import rule_engine as re_

    def text(branch: list[tuple[str, str, str]]) -> str:
        return " and ".join(f"{fact} {operator} {json.dumps(answer)}" for fact, operator, answer in branch)

    rules = [
        (route, re_.Rule(" or ".join(f"({text(branch)})" for branch in BRANCHES[route])))
        for route in ROUTES
        if route in BRANCHES
    ]

    def primary(case: Case) -> str:
        for route, rule in rules:
            if rule.matches(case):
                return route
        return DEFAULT

    return primary


# --- the batch programs, as processes -------------------------------------------------------------


def triage_batch(source: str, out: str) -> None:
    """Each line's primary route from `Advisor.primary_route`, which validates and completes the
    answers itself, written as it goes."""
    import triage

    primary = triage.Advisor().primary_route
    with open(source, "rb") as lines, open(out, "w", encoding="utf-8") as answers:
        for line in lines:
            answers.write(json.dumps({"primary_route": primary(json.loads(line))}) + "\n")


def zen_batch(source: str, out: str) -> None:
    """Every case completed (unknown for each fact left out, as triage does) and answered by one
    `evaluate_batch` call, zen-engine's fastest way (its own threads), then written."""
    _primary, batch = zen_engine()
    unknown = dict.fromkeys(FACTS, "unknown")
    with open(source, "rb") as lines:
        cases: list[Case] = [{**unknown, **json.loads(line)} for line in lines]
    with open(out, "w", encoding="utf-8") as answers:
        answers.writelines(json.dumps({"primary_route": route}) + "\n" for route in batch(cases))


if __name__ == "__main__":
    {"triage-batch": triage_batch, "zen-batch": zen_batch}[sys.argv[1]](*sys.argv[2:])
