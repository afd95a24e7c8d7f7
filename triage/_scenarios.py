"""Scenario files: worked cases with the advice they must get, run against a pack.

A scenario file (JSON or YAML) is a list of `{name, facts, expect}`; `facts` is the input JSON of
a case and `expect` holds any of the keys of `Expect`. Every file is read and validated against
the pack before any scenario runs, so a typo in an expectation is an error, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, computed_field

from triage._advisor import Advisor, default_advisor
from triage._bounded_read import read_bounded
from triage._case import MAX_INPUT_BYTES, Case, parse_json
from triage._coverage import Coverage
from triage._coverage import coverage as scenario_coverage
from triage._errors import InputError, PackError, TriageError, describe_key, did_you_mean
from triage._recommendation import Recommendation, without_examples
from triage._yaml_reader import read_yaml

SUFFIXES = (".json", ".yaml", ".yml")
_FROZEN = ConfigDict(frozen=True, json_schema_extra=without_examples)
_STRICT = ConfigDict(**_FROZEN, extra="forbid")


class Expect(BaseModel):
    """What a scenario's advice must show. Every key is optional; at least one is needed."""

    model_config = _STRICT
    primary: str | None = Field(None, description="The expected primary_route.")
    focus: Literal["recommended", "possible", "not_recommended"] | None = Field(
        None,
        validation_alias=AliasChoices("focus", "rcd"),
        description="The expected focus.status: whether the pack's focus route fits ('rcd' is an "
        "alias kept for the Moray pack's scenarios, whose focus route is the RCD).",
    )
    provisional: bool | None = None
    first_question: str | None = Field(None, description="The fact of questions[0].")
    routes: tuple[str, ...] | None = Field(None, description="The exact list of routes, most urgent first.")
    routes_include: tuple[str, ...] = ()
    routes_exclude: tuple[str, ...] = ()
    ruled_out_include: tuple[str, ...] = Field((), description="Routes that must appear in ruled_out.")
    questions_include: tuple[str, ...] = ()
    questions_empty: bool = False
    advice_nonempty: bool = False
    advice_include: tuple[str, ...] = Field((), description="Notes that must be shown, by advice rule id.")
    advice_exclude: tuple[str, ...] = Field(
        (), description="Notes that must not be shown, by advice rule id."
    )


class Scenario(BaseModel):
    """A worked case: a name, the answers, and what the advice must show."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    facts: dict[str, Any]
    expect: Expect


class ScenarioResult(BaseModel):
    """One scenario's outcome: `differences` says what differed from the expectation.

    >>> import triage
    >>> result = triage.run_scenarios([triage.default_pack_path() / "scenarios"]).results[0]
    >>> result.passed, result.differences
    (True, ())
    """

    model_config = _FROZEN
    file: str
    name: str
    passed: bool
    differences: tuple[str, ...]


class ScenarioReport(BaseModel):
    """Every scenario's outcome, in file order.

    >>> import triage
    >>> report = triage.run_scenarios([triage.default_pack_path() / "scenarios"])
    >>> report.failed, report.passed == len(report.results)
    (0, True)
    """

    model_config = _FROZEN
    results: tuple[ScenarioResult, ...]
    coverage: Coverage | None = Field(None, description="What the scenarios exercise, when asked.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"


def run_scenarios(
    paths: Iterable[str | Path], *, advisor: Advisor | None = None, coverage: bool = False
) -> ScenarioReport:
    """Run the scenario files (files, or folders searched for .json/.yaml/.yml) against a pack;
    with `coverage`, also say what of the pack they never exercise, with a draft scenario for
    each gap (see `Coverage`).

    Raises InputError, naming the file and scenario, for a malformed file, a scenario whose facts
    or expected ids the pack does not know, or when no scenario is found.

    >>> import triage
    >>> report = triage.run_scenarios([triage.default_pack_path() / "scenarios"])
    >>> report.summary().endswith(" passed, 0 failed")
    True
    """
    advisor = advisor or default_advisor()
    loaded = [
        (str(file), scenario, case)
        for file in scenario_files(paths)
        for scenario, case in _load(file, advisor)
    ]
    if not loaded:
        raise InputError("no scenarios found")
    results, recs = [], []
    for file, scenario, case in loaded:
        rec = advisor.recommend(case)
        recs.append(rec)
        differences = expectation_differences(rec, scenario.expect)
        results.append(
            ScenarioResult(file=file, name=scenario.name, passed=not differences, differences=differences)
        )
    return ScenarioReport(results=results, coverage=scenario_coverage(advisor, recs) if coverage else None)


def scenario_cases(paths: Iterable[str | Path], *, advisor: Advisor | None = None) -> list[Case]:
    """The cases of the scenario files (files, or folders searched), in order: for measuring
    something over a pack's worked cases, such as how many pages its interviews take."""
    advisor = advisor or default_advisor()
    return [case for file in scenario_files(paths) for _, case in _load(file, advisor)]


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the scenario files under the folders named, in name order."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                raise InputError(f"{path}: no scenario files (.json, .yaml, .yml)")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():  # a FIFO or a device: reading it could block or never end
            raise InputError(f"{path}: not a regular file or folder")
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def _read(path: Path) -> Any:
    name = str(path)
    if path.suffix == ".json":
        text = read_bounded(path, MAX_INPUT_BYTES, lambda problem: InputError(f"{name}: {problem}"))
        return parse_json(text, source=name)
    try:
        return read_yaml(path, limit=MAX_INPUT_BYTES)
    except PackError as error:  # the same safe reader as packs; here it is bad input
        raise InputError(str(error)) from None


def _load(path: Path, advisor: Advisor) -> Iterator[tuple[Scenario, Case]]:
    data = _read(path)
    if not isinstance(data, list):
        raise InputError(f"{path}: a scenario file is a list of {{name, facts, expect}}")
    for index, item in enumerate(data, start=1):
        label = f"scenario #{index}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label += f" '{item['name']}'"
        try:
            scenario = Scenario.model_validate(item)
            yield scenario, _validated(scenario, advisor)
        except ValidationError as error:
            raise InputError(f"{path}: {label}: {_validation_message(error)}") from None
        except TriageError as error:
            hint = ""
            if error.code == "unknown_fact" or isinstance(error, _NotThePacks):  # another pack's?
                hint = (
                    f" (these scenarios ran on the pack {advisor.pack.label}; for another pack, "
                    "give its folder with --rules)"
                )
            raise InputError(f"{path}: {label}: {error}{hint}") from None


class _NotThePacks(InputError):
    """An id a scenario expects that the pack does not have: most often a scenario of another pack."""


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        model = Expect if loc[:1] == ["expect"] else Scenario
        message = f"unknown key{did_you_mean(loc[-1], model.model_fields)}"
    return f"{'.'.join(loc)}: {message}" if loc else message


def _validated(scenario: Scenario, advisor: Advisor) -> Case:
    """The scenario's case; every id in its expectation checked against the pack."""
    pack, expect = advisor.pack, scenario.expect
    case = advisor.case(scenario.facts)
    if not expect.model_fields_set:
        raise InputError("expect: no expectations (a scenario must expect something)")
    routes = [expect.primary] if expect.primary else []
    routes += [
        *(expect.routes or ()),
        *expect.routes_include,
        *expect.routes_exclude,
        *expect.ruled_out_include,
    ]
    for route in routes:
        if route not in pack.route:
            raise _NotThePacks(
                f"expect: unknown route {describe_key(route)}{did_you_mean(route, pack.route)}",
                code="unknown_route",
            )
    facts = [expect.first_question] if expect.first_question else []
    for fact in [*facts, *expect.questions_include]:
        if fact not in pack.fact:
            raise _NotThePacks(
                f"expect: unknown fact {describe_key(fact)}{did_you_mean(fact, pack.fact)}",
                code="unknown_fact",
            )
    notes = [rule.id for rule in pack.rules if rule.effect == "advice"]
    for note in [*expect.advice_include, *expect.advice_exclude]:
        if note not in notes:
            raise _NotThePacks(
                f"expect: unknown note {describe_key(note)}{did_you_mean(note, notes)} (an advice rule id)"
            )
    return case


def expectation_differences(rec: Recommendation, expect: Expect) -> list[str]:
    """What in the advice differs from the expectation, one line each (empty when it matches)."""
    routes = [route.id for route in rec.routes]
    ruled_out = [out.route for out in rec.ruled_out]
    questions = [question.fact for question in rec.questions]
    notes = [note.rule for note in rec.advice]
    differences = []
    if expect.primary is not None and rec.primary_route != expect.primary:
        differences.append(f"primary: expected {expect.primary}, got {rec.primary_route}")
    if expect.focus is not None and rec.focus.status != expect.focus:
        differences.append(f"focus: expected {expect.focus}, got {rec.focus.status}")
    if expect.routes is not None and list(expect.routes) != routes:
        differences.append(f"routes: expected [{', '.join(expect.routes)}], got [{', '.join(routes)}]")
    if expect.provisional is not None and rec.provisional != expect.provisional:
        differences.append(f"provisional: expected {_word(expect.provisional)}, got {_word(rec.provisional)}")
    if expect.first_question is not None and questions[:1] != [expect.first_question]:
        got = questions[0] if questions else "no questions"
        differences.append(f"first_question: expected {expect.first_question}, got {got}")
    for key, wanted, present, among in (
        ("routes_include", expect.routes_include, True, routes),
        ("routes_exclude", expect.routes_exclude, False, routes),
        ("ruled_out_include", expect.ruled_out_include, True, ruled_out),
        ("questions_include", expect.questions_include, True, questions),
        ("advice_include", expect.advice_include, True, notes),
        ("advice_exclude", expect.advice_exclude, False, notes),
    ):
        for item in wanted:
            if (item in among) != present:
                verb = "expected" if present else "did not expect"
                differences.append(f"{key}: {verb} {item}, got [{', '.join(among)}]")
    if expect.questions_empty and questions:
        differences.append(f"questions_empty: expected no questions, got [{', '.join(questions)}]")
    if expect.advice_nonempty and not rec.advice:
        differences.append("advice_nonempty: expected some advice, got none")
    return differences


def _word(value: bool) -> str:
    return "true" if value else "false"
