"""Two versions of a pack compared: every change in the answers, as small conditions on the facts
under which it shows, each with an example case; the questions reworded under the same id; and a
version number that did not change when the pack did.

Both packs' rules compile into one store of decision diagrams over the union of their facts (a fact
one pack lacks changes none of its answers), so the comparison covers every case at once and never
enumerates them. A difference is a Boolean diagram; its conditions are the diagram's paths, each
widened while it stays inside the difference, so that they read as rules do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from triage._advisor import Advisor
from triage._analysis import compile_condition, note_shown
from triage._decision_diagrams import Diagrams
from triage._errors import InputError, describe_path
from triage._pack import UNKNOWN, Pack, load_pack
from triage._recommendation import FROZEN, Recommendation
from triage._routes import RouteRules

MAX_CONDITIONS = 12
"""The most conditions listed for one difference; the rest are counted."""
MAX_PATHS = 400
"""The most paths of one difference's diagram read before widening them: a bound on the work."""

What = Literal["primary_route", "route", "focus", "note"]


class Change(BaseModel):
    """Answers that differ between the packs: under `when` (each fact one of the answers listed;
    other facts any answer), `what` differs, as in `example`."""

    model_config = FROZEN
    what: What
    subject: str | None = Field(description="The route or note (advice rule id); None for the others.")
    when: dict[str, list[str]]
    example: dict[str, str]
    old: str = Field(description="What the old pack gives in the example.")
    new: str = Field(description="What the new pack gives in the example.")


class Reworded(BaseModel):
    """A question whose words changed under the same fact id."""

    model_config = FROZEN
    fact: str
    old_question: str
    new_question: str
    old_help: str
    new_help: str


class PackDiff(BaseModel):
    """What changed between two versions of a pack (see `diff_packs`)."""

    model_config = FROZEN
    old: str
    new: str
    changes: list[Change]
    unlisted: int = Field(description="Further conditions, beyond those listed, under which answers differ.")
    reworded: list[Reworded]
    version_unchanged: bool = Field(description="The packs differ but carry the same version.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def alike(self) -> bool:
        """Whether the packs give the same answers to every case."""
        return not self.changes

    def lines(self) -> list[str]:
        """The comparison as the command line prints it."""
        found = [f"{self.old} -> {self.new}"]
        heading = None
        for change in self.changes:
            title = _TITLES[change.what].format(subject=change.subject)
            if title != heading:
                found.append(title)
                heading = title
            found.append(
                f"  when {_condition(change.when)}: {change.old} -> {change.new}"
                f" (e.g. {_answers(change.example)})"
            )
        if self.unlisted:
            found.append(f"  ... and {self.unlisted} more conditions, not listed")
        for item in self.reworded:
            found.append(f"question '{item.fact}' reworded under the same id:")
            if item.old_question != item.new_question:
                found.append(
                    f"  question: {json.dumps(item.old_question)} -> {json.dumps(item.new_question)}"
                )
            if item.old_help != item.new_help:
                found.append(f"  help: {json.dumps(item.old_help)} -> {json.dumps(item.new_help)}")
        if self.version_unchanged:
            found.append("error: the pack changed but its version did not: raise the version of the new pack")
        found.append(
            "the packs answer alike" if self.alike else f"{len(self.changes)} changes in the answers"
        )
        return found


_TITLES: dict[What, str] = {
    "primary_route": "the primary route changes:",
    "route": "route '{subject}':",
    "focus": "the focus route:",
    "note": "note '{subject}':",
}


def diff_packs(
    old: Pack, new: Pack, *, old_label: str | None = None, new_label: str | None = None
) -> PackDiff:
    """Every change in the answers between two versions of a pack, and what else changed.

    >>> import triage
    >>> pack = triage.load_pack(triage.default_pack_path())
    >>> diff_packs(pack, pack).alike
    True
    """
    space = _Space(old, new)
    old_side, new_side = space.side(old), space.side(new)
    found: list[Change] = []
    unlisted = 0
    advisors = (Advisor(old), Advisor(new))
    for what, subject, root in space.differences(old_side, new_side):
        cubes = list(space.cubes(root))
        unlisted += max(0, len(cubes) - MAX_CONDITIONS)
        for cube in cubes[:MAX_CONDITIONS]:
            found.append(space.change(what, subject, cube, advisors))
    reworded = [
        Reworded(
            fact=fact.id,
            old_question=before.question,
            new_question=fact.question,
            old_help=before.help,
            new_help=fact.help,
        )
        for fact in new.facts
        if (before := old.fact.get(fact.id)) is not None
        and (before.question, before.help) != (fact.question, fact.help)
    ]
    changed = old.document.model_dump() != new.document.model_dump()
    return PackDiff(
        old=old_label or f"{old.label} ({old.path})",
        new=new_label or f"{new.label} ({new.path})",
        changes=found,
        unlisted=unlisted,
        reworded=reworded,
        version_unchanged=changed and old.version == new.version,
    )


class _Side:
    """One pack's answers as diagrams of the shared store."""

    def __init__(
        self,
        pack: Pack,
        d: Diagrams,
        rule: Mapping[str, int],
        unknown: Callable[[int], int | None],
        known: Callable[[int], tuple[int, ...]],
    ) -> None:
        routes = RouteRules(pack).symbolic(d, rule)
        self.primary = routes.primary(
            lambda holds, route, rest: d.ite(holds, d.terminal(route), rest), d.terminal(pack.default_route)
        )
        self.applies = {route.id: routes.applies(route.id) for route in pack.routes}
        # The focus route's status, as the answer gives it: recommended where it applies, possible
        # where some answers to the unknown questions would make it apply, else not recommended.
        applies = self.applies[pack.focus_route]
        possible = d.completable(applies, unknown, known)
        self.focus = d.ite(
            applies,
            d.terminal("recommended"),
            d.ite(possible, d.terminal("possible"), d.terminal("not_recommended")),
        )
        self.shown = {r.id: note_shown(d, r, rule, self.applies) for r in pack.rules if r.effect == "advice"}


Cube = dict[int, frozenset[int]]


class _Space:
    """The union of two packs' facts and answers, as the variables of one store of diagrams."""

    def __init__(self, old: Pack, new: Pack) -> None:
        self.facts = list(dict.fromkeys([*old.fact, *new.fact]))
        self.answers = [
            tuple(dict.fromkeys([*_answers_of(old, fact), *_answers_of(new, fact)])) for fact in self.facts
        ]
        self.d = Diagrams([len(answers) for answers in self.answers])
        self.position = {fact: var for var, fact in enumerate(self.facts)}
        self.index = [{answer: i for i, answer in enumerate(answers)} for answers in self.answers]
        # A case both packs accept: where both have a fact, an answer of both.
        d, valid = self.d, self.d.true
        for var, fact in enumerate(self.facts):
            if fact in old.fact and fact in new.fact:
                both = set(old.fact[fact].answers) & set(new.fact[fact].answers)
                valid = d.conjoin(valid, d.test(var, frozenset(self.index[var][a] for a in both)))
        self.valid = valid

    def side(self, pack: Pack) -> _Side:
        rule = {
            rule_id: compile_condition(self.d, normal, self.position, self.index)
            for rule_id, normal in pack.normal.items()
        }
        # The answers the pack itself accepts stand in for an unknown one (a fact it lacks is one
        # its diagrams never test).
        known = [
            tuple(i for answer, i in self.index[var].items() if answer != UNKNOWN and answer in accepted)
            for var, accepted in enumerate(set(_answers_of(pack, fact)) for fact in self.facts)
        ]
        return _Side(pack, self.d, rule, lambda var: self.index[var].get(UNKNOWN), known.__getitem__)

    def differences(self, old: _Side, new: _Side) -> Iterator[tuple[What, str | None, int]]:
        """Each part of the answers and the diagram of the cases where it differs."""
        d = self.d

        def xor(a: int, b: int) -> int:
            return d.conjoin(self.valid, d.ite(a, d.negate(b), b))

        yield "primary_route", None, d.conjoin(self.valid, d.combine(old.primary, new.primary, _unequal))
        for route in dict.fromkeys([*old.applies, *new.applies]):
            yield "route", route, xor(old.applies.get(route, d.false), new.applies.get(route, d.false))
        yield "focus", None, d.conjoin(self.valid, d.combine(old.focus, new.focus, _unequal))
        for note in dict.fromkeys([*old.shown, *new.shown]):
            yield "note", note, xor(old.shown.get(note, d.false), new.shown.get(note, d.false))

    def cubes(self, root: int) -> Iterator[Cube]:
        """Conditions (fact -> answers) whose union is the diagram `root`, each widened while it
        stays inside it, and none inside another."""
        d = self.d
        if root == d.false:
            return
        kept: list[Cube] = []
        for path in self._paths(root):
            cube = self._widened(path, root)
            if not any(_inside(cube, other) for other in kept):
                kept = [other for other in kept if not _inside(other, cube)]
                kept.append(cube)
        yield from kept

    def _paths(self, root: int) -> Iterator[Cube]:
        d, count = self.d, 0
        stack: list[tuple[int, Cube]] = [(root, {})]
        while stack and count < MAX_PATHS:
            node, cube = stack.pop()
            if node == d.true:
                count += 1
                yield cube
                continue
            if node == d.false:
                continue
            var, kids = d.parts(node)
            groups: dict[int, set[int]] = {}
            for value, kid in enumerate(kids):
                groups.setdefault(kid, set()).add(value)
            for kid, values in reversed(groups.items()):
                stack.append((kid, {**cube, var: frozenset(values)}))

    def _widened(self, cube: Cube, root: int) -> Cube:
        d = self.d
        outside = d.negate(root)

        def inside(candidate: Cube) -> bool:
            return d.conjoin(self._diagram(candidate), outside) == d.false

        for var in list(cube):
            for value in range(len(self.answers[var])):
                if value not in cube[var]:
                    wider = {**cube, var: cube[var] | {value}}
                    if inside(wider):
                        cube = wider
            if len(cube[var]) == len(self.answers[var]):
                del cube[var]
        return cube

    def _diagram(self, cube: Cube) -> int:
        d, found = self.d, self.d.true
        for var, values in cube.items():
            found = d.conjoin(found, d.test(var, values))
        return found

    def change(
        self, what: What, subject: str | None, cube: Cube, advisors: tuple[Advisor, Advisor]
    ) -> Change:
        when = {
            self.facts[var]: [self.answers[var][v] for v in sorted(values)]
            for var, values in sorted(cube.items())
        }
        example = {fact: answers[0] for fact, answers in when.items()}
        old_rec, new_rec = (
            advisor.assess({f: a for f, a in example.items() if f in advisor.pack.fact})
            for advisor in advisors
        )
        read = _READERS[what]
        return Change(
            what=what,
            subject=subject,
            when=when,
            example=example,
            old=read(old_rec, subject),
            new=read(new_rec, subject),
        )


_READERS: dict[What, Callable[[Recommendation, str | None], str]] = {
    "primary_route": lambda rec, _subject: rec.primary_route,
    "route": lambda rec, route: "recommended" if route in {r.id for r in rec.routes} else "not recommended",
    "focus": lambda rec, _subject: rec.focus.status,
    "note": lambda rec, note: "shown" if note in {n.rule for n in rec.advice} else "not shown",
}


def _answers_of(pack: Pack, fact: str) -> tuple[str, ...]:
    spec = pack.fact.get(fact)
    return () if spec is None else spec.answers


def _unequal(a: object, b: object) -> bool:
    return a != b


def _inside(small: Cube, large: Cube) -> bool:
    """Whether every case of `small` is a case of `large`."""
    return all(var in small and small[var] <= values for var, values in large.items())


def _condition(when: Mapping[str, list[str]]) -> str:
    if not when:
        return "always"
    return " and ".join(
        f"{fact}={answers[0]}" if len(answers) == 1 else f"{fact} in ({', '.join(answers)})"
        for fact, answers in when.items()
    )


def _answers(example: Mapping[str, str]) -> str:
    return ", ".join(f"{fact}={answer}" for fact, answer in example.items()) or "any answers"


def load_version(spec: str, folder: Path) -> tuple[Pack, str]:
    """The pack a `rules diff` argument names, and its label: a folder, or REV:FOLDER (the folder
    as git has it at revision REV, its files written into `folder`, an empty temporary folder)."""
    path = Path(spec)
    if path.exists():
        pack = load_pack(path)
        return pack, f"{pack.label} ({spec})"
    if ":" not in spec:
        raise InputError(f"{describe_path(spec)}: no such folder (a pack at a git revision is REV:FOLDER)")
    revision, _, name = spec.partition(":")
    for file, raw in _files_at(spec, revision, name):
        (folder / file).write_bytes(raw)
    pack = load_pack(folder)
    return pack, f"{pack.label} ({name} at {revision})"


def _files_at(spec: str, revision: str, name: str) -> Iterator[tuple[str, bytes]]:
    """The pack files of folder `name` (relative to the working folder) at a git revision."""
    git = shutil.which("git")
    if git is None:
        raise InputError(f"{describe_path(spec)}: reading a pack at a git revision needs git")

    def show(what: str) -> bytes:
        # "./" makes the path relative to the working folder, as the user typed it.
        done = subprocess.run(  # an argument list, never a shell
            [git, "cat-file", "-p", f"{revision}:./{what}"], capture_output=True, check=False, timeout=60
        )
        if done.returncode != 0:
            raise InputError(f"{describe_path(spec)}: no such pack folder at that git revision")
        return done.stdout

    listing = show(name).decode("utf-8", "replace").splitlines()
    # A tree's listing: "<mode> <type> <hash>\t<file name>" per entry.
    names = [line.split("\t", 1)[1] for line in listing if "\t" in line and line.split()[1] == "blob"]
    for file in names:
        if Path(file).suffix in (".yaml", ".yml"):
            yield file, show(f"{name}/{file}")
