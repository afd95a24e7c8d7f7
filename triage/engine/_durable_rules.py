"""The durable_rules engine: the only module that imports durable_rules.

Rules compile to one durable_rules ruleset per loaded pack, evaluated through the C module
directly (not the Host API, whose timer threads crash and re-assert state). What DESIGN.md
measured, and how this module avoids it:
- a session in which no rule fired crashes on delete: an always-true sentinel rule fires on every
  case, so there is always a match and never MessageNotHandled;
- events are consumed by the first rule: to match every rule, cases are asserted as facts, and
  retracted after, in one session (no session churn, so memory stays flat and no 1,024-session
  limit is reached); `DurableRouter` uses that consumption on purpose, for the primary route
  alone (one rule per route, the most urgent first by `pri`, and an always-true default route);
- every action is completed before a call returns, whatever happens (an action left open makes
  the session refuse every later case);
- every rule is guarded by `kind == "case"`, the only other key besides the fact ids, which the
  pack loader keeps off the reserved keys (sid, id, $...);
- a fact fires once per true `$or` branch: matches are collected into a set;
- the C core has no locks: calls are serialised with a lock;
- compiling a pack bounds its branches before durable_rules sees them (512 branching from one
  test hang asserting a fact, 513 hang creating the ruleset; every rule branches from the guard,
  so the pack's total is bounded) and its facts (a fact of more than 251 keys is refused with code
  302), each a PackError; more than 257 rules with one condition fail creation with code 108, also
  reported as a PackError; the router's ruleset, whose conditions fold the rule-outs in, counts
  its own branches against the same bound;
- only a full, validated case is encoded and asserted (never reserved keys or long strings).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from triage._case import Case
from triage._conditions import Normal
from triage._errors import InputError, PackError, TriageError
from triage._pack import Pack
from triage.engine._conditions import engine_test, test_branches

try:
    import durable_rules_engine as _durable

    IMPORT_ERROR: str | None = None
except ImportError as error:  # durable_rules does not build on Python 3.13+
    _durable = None
    IMPORT_ERROR = str(error)

_SENTINEL = "_sentinel"
_GUARD = {"kind": "case"}
_names = itertools.count(1)

# durable_rules 2.0.28, measured: 511 branches from one test work, 512 hang asserting a fact, 513
# hang creating the ruleset; every rule branches from the guard test, so a ruleset's branches are
# counted, with a margin.
MAX_ENGINE_BRANCHES = 480
# The engine refuses a fact of more than 251 keys (code 302): the guard key and one per fact.
MAX_CASE_KEYS = 251


def durable_version() -> str | None:
    if _durable is None:
        return None
    # The install record beside the C module names the version; asking importlib.metadata scans
    # every folder on sys.path (a millisecond of each command's start-up).
    folder = Path(_durable.__file__).parent
    prefix, suffix = "durable_rules-", ".dist-info"
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(suffix) and entry.is_dir():
                return entry.name[len(prefix) : -len(suffix)]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("durable_rules")
    except PackageNotFoundError:
        return "unknown version"


def _check_limits(pack: Pack, tests: Mapping[str, dict[str, Any] | bool]) -> None:
    """Refuses (PackError) a pack that durable_rules would hang or fail on: too many facts for one
    engine fact, or conditions (`tests`: each rule's engine test) with more branches than the
    engine takes from one test."""
    if len(pack.domains) + len(_GUARD) > MAX_CASE_KEYS:
        raise PackError(
            f"the rules engine takes at most {MAX_CASE_KEYS - len(_GUARD)} facts; this pack has "
            f"{len(pack.domains)}",
            file=str(pack.path),
            field="facts",
        )
    branches = 1  # the always-true sentinel rule
    for rule_id, test in tests.items():
        branches += test_branches(test)
        if branches > MAX_ENGINE_BRANCHES:
            raise PackError(
                f"the pack's conditions need more than {MAX_ENGINE_BRANCHES} engine branches; "
                "simplify the conditions",
                file=str(pack.path),
                rule=rule_id,
                field="when",
            )


def compile_ruleset(pack: Pack, rules: Collection[str] | None = None) -> dict[str, Any]:
    """The durable_rules ruleset definition of a pack, or of the rules of it named in `rules`
    (rules that can never hold are left out). Raises PackError when the pack is past the engine's
    limits (all its rules are counted, so that a pack that runs at all runs whole)."""
    # Each rule's test, compiled once for the limits and the ruleset alike.
    tests = {rule_id: engine_test(normal, pack.domains) for rule_id, normal in pack.normal.items()}
    _check_limits(pack, tests)
    ruleset: dict[str, Any] = {_SENTINEL: {"all": [{"m": dict(_GUARD)}]}}
    for rule_id, expression in tests.items():
        if (rules is not None and rule_id not in rules) or expression is False:
            continue
        test = _GUARD if expression is True else {"$and": [_GUARD, expression]}
        ruleset[rule_id] = {"all": [{"m": test}]}
    return ruleset


RULESET_CACHE_SIZE = 16
"""How many compiled rulesets are kept for reuse beyond those in use."""


class _Ruleset:
    """A durable_rules ruleset and the lock that serialises every call into it (the C core has
    none). Deleted when nothing refers to it any more."""

    def __init__(self, definition: str) -> None:
        self.lock = threading.Lock()
        self.handle = _durable.create_ruleset(f"triage_{next(_names)}", definition)
        weakref.finalize(self, _durable.delete_ruleset, self.handle)


_rulesets: OrderedDict[str, _Ruleset] = OrderedDict()
_rulesets_lock = threading.Lock()


def _compiled(definition: str) -> _Ruleset:
    """The ruleset of a definition, reused while it is in use or among the last few compiled:
    durable_rules keeps about 0.5 MB of every ruleset even after deleting it, so loading the same
    pack again and again (`triage.assess(answers, pack=path)`) must not compile it again."""
    key = hashlib.sha256(definition.encode()).hexdigest()
    with _rulesets_lock:
        found = _rulesets.get(key)
        if found is None:
            found = _rulesets[key] = _Ruleset(definition)
            if len(_rulesets) > RULESET_CACHE_SIZE:
                _rulesets.popitem(last=False)
        else:
            _rulesets.move_to_end(key)
        return found


def _fire(
    assert_: Callable[[Any, str], Any],
    handle: Any,
    message: str,
    retract: Callable[[Any, str], Any] | None = None,
) -> list[str]:
    """Asserts a fact or event, runs every action it starts and (with `retract`) retracts it
    again, returning the ids of the rules that fired, in the order the engine gave them. Every
    action is completed, even an unexpected one: an action left open makes the session refuse
    every later case. Call with the ruleset's lock held."""
    try:
        result = assert_(handle, message)
    except _durable.error as error:
        raise TriageError(f"the rules engine refused the case ({error})") from None
    fired: list[str] = []
    try:
        if result[0] != 0:
            raise TriageError(f"the rules engine refused the case (code {result[0]})")
        state = result[1]
        action = _durable.start_action_for_state(handle, state)
        while action:
            text = action[1] if isinstance(action, tuple) else action
            # {"RULE_ID": {"m": FACT}}: reading the id alone, rather than decoding the whole fact
            # once per action (9 a case), halves the time of a match.
            fired.append(text[2 : text.find('"', 2)])
            action = _durable.complete_and_start_action(handle, state)
    except _durable.error as error:
        raise TriageError(f"the rules engine failed on the case ({error})") from None
    finally:
        if retract is not None:
            retract(handle, message)
    return fired


class _Encoder:
    """Writes a case as the JSON the rules match. Only a full case of the pack's own facts and
    answers reaches the engine (reserved keys, long strings and odd types can crash it)."""

    def __init__(self, pack: Pack) -> None:
        # The JSON of every (fact, answer) pair the pack allows, so that encoding a case is a join
        # (json.dumps of a whole case takes a third of the engine's own matching time).
        self._pairs = {
            fact: {answer: json.dumps({fact: answer}, ensure_ascii=True)[1:-1] for answer in answers}
            for fact, answers in pack.domains.items()
        }
        self._opening = json.dumps(_GUARD, ensure_ascii=True)[:-1]

    def __call__(self, case: Case) -> str:
        pairs = self._pairs
        try:
            if len(case) == len(pairs):
                return (
                    ", ".join([self._opening, *[pairs[fact][answer] for fact, answer in case.items()]]) + "}"
                )
        except (KeyError, TypeError):
            pass
        raise InputError("not a validated case: every fact of the pack, each with one of its answers")


def _definition(ruleset: dict[str, Any]) -> str:
    return json.dumps(ruleset, ensure_ascii=True, sort_keys=True)


class DurableMatcher:
    """Evaluates a pack's rules (or those named in `rules`) in durable_rules. Matchers of the
    same rules share one ruleset; calls into it are serialised."""

    name = "durable_rules"

    def __init__(self, pack: Pack, rules: Collection[str] | None = None) -> None:
        if _durable is None:
            raise TriageError(f"durable_rules cannot be imported: {IMPORT_ERROR}")
        ruleset = compile_ruleset(pack, rules)
        try:
            self._ruleset = _compiled(_definition(ruleset))
        except _durable.error as error:  # e.g. code 108: more than 257 rules with one condition
            raise PackError(
                f"the rules engine cannot compile the pack ({error})", file=str(pack.path)
            ) from None
        self._lock, self._handle = self._ruleset.lock, self._ruleset.handle
        self._rules = frozenset(ruleset)
        self._encode = _Encoder(pack)

    def matches(self, case: Case) -> frozenset[str]:
        """The ids of the rules whose condition holds for the case."""
        fact, handle = self._encode(case), self._handle
        with self._lock:
            fired = set(_fire(_durable.assert_fact, handle, fact, _durable.retract_fact))
        if not fired <= self._rules:
            raise TriageError(f"the rules engine reported unknown rules: {sorted(fired - self._rules)}")
        fired.discard(_SENTINEL)
        return frozenset(fired)

    @property
    def engine(self) -> str:
        return f"durable_rules {durable_version()}"


class DurableRouter:
    """The primary route of a case in one durable_rules match: one rule per route (when it is
    recommended, rule-outs folded in), each with the route's urgency as its `pri`, and the default
    route's rule always true and least urgent. The case is asserted as an event, which the most
    urgent rule that holds consumes: one action, nothing to retract. Built by `compiled`."""

    name = "durable_rules"

    def __init__(self, pack: Pack, ruleset: dict[str, Any]) -> None:
        self._ruleset = _compiled(_definition(ruleset))
        self._lock, self._handle = self._ruleset.lock, self._ruleset.handle
        self._routes = frozenset(ruleset)
        self._encode = _Encoder(pack)

    @classmethod
    def compiled(cls, pack: Pack, ruleset: dict[str, Any]) -> DurableRouter | None:
        """The router of `route_ruleset`'s ruleset, or None where durable_rules refuses to compile
        it (e.g. code 108): the rules' own matcher then reports that as the pack's error."""
        try:
            return cls(pack, ruleset)
        except _durable.error:
            return None

    def primary(self, case: Case) -> str:
        event = self._encode(case)
        with self._lock:
            routes = _fire(_durable.assert_event, self._handle, event)
        if len(routes) != 1 or routes[0] not in self._routes:
            raise TriageError(f"the rules engine gave {len(routes)} routes for one case: {routes[:3]}")
        return routes[0]


def route_ruleset(
    pack: Pack, conditions: Mapping[str, Normal], max_branches: int = MAX_ENGINE_BRANCHES
) -> dict[str, Any] | None:
    """The event ruleset of `DurableRouter`: `conditions` maps each route but the default, most
    urgent first, to when it is recommended. None when those conditions need more engine
    branches than `max_branches` (folding rule-outs in multiplies branches)."""
    ruleset: dict[str, Any] = {}
    branches = 1
    for rank, (route, condition) in enumerate(conditions.items(), start=1):
        expression = engine_test(condition, pack.domains)
        if expression is False:
            continue
        branches += test_branches(expression)
        if branches > max_branches:
            return None
        test = _GUARD if expression is True else {"$and": [_GUARD, expression]}
        ruleset[route] = {"all": [{"m": test}], "pri": rank}
    ruleset[pack.default_route] = {"all": [{"m": dict(_GUARD)}], "pri": len(conditions) + 1}
    return ruleset
