"""What the rest of triage asks of an engine: the rules that hold for a case (a `Matcher`) and
its primary route (a `Router`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from triage._case import Case


class Matcher(Protocol):
    name: str

    @property
    def engine(self) -> str:
        """The engine as an answer's audit names it (with its version, or why it stands in)."""
        ...

    def matches(self, case: Case) -> frozenset[str]: ...


class Router(Protocol):
    name: str

    def primary(self, case: Case) -> str: ...


class MatchingRouter:
    """The primary route from the rules one case matches (where the routes cannot be compiled
    to one engine rule each)."""

    def __init__(self, matcher: Matcher, primary: Callable[[frozenset[str]], str]) -> None:
        self.name = matcher.name
        self._matches, self._primary = matcher.matches, primary

    def primary(self, case: Case) -> str:
        return self._primary(self._matches(case))
