"""A validated case is a type: only make_case builds a Case, it cannot be changed, and every public
entry validates answers the same way whatever the engine (durable_rules or the reference evaluator)."""

from __future__ import annotations

import copy
import io
import json
import pickle
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, run_cli
from fastapi.testclient import TestClient

import triage
from triage._case import Case, make_case
from triage.engine import ReferenceMatcher
from triage.web import create_app

SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}


def test_only_make_case_builds_a_case(advisor: triage.Advisor) -> None:
    with pytest.raises(TypeError, match="built by make_case"):
        Case(dict.fromkeys(advisor.pack.fact, "unknown"), pack_sha256=advisor.pack.sha256)
    case = make_case({"complex": "yes"}, advisor.pack)
    assert isinstance(case, Case) and case.pack_sha256 == advisor.pack.sha256
    assert list(case) == list(advisor.pack.fact)
    assert advisor.case(case) is case  # validated against this pack: taken as it is


@pytest.mark.parametrize(
    "change",
    [
        lambda case: case.__setitem__("complex", "maybe"),
        lambda case: case.update(name="x"),
        lambda case: case.pop("complex"),
        lambda case: case.__delitem__("complex"),
        lambda case: case.setdefault("name", "x"),
        lambda case: case.clear(),
        lambda case: case.popitem(),
    ],
)
def test_a_case_cannot_be_changed(advisor: triage.Advisor, change: Callable[[Case], object]) -> None:
    case = advisor.case({"complex": "yes"})
    with pytest.raises(TypeError, match="cannot be changed"):
        change(case)
    assert case == advisor.case({"complex": "yes"})


def test_a_copied_or_pickled_case_is_still_a_validated_case(advisor: triage.Advisor) -> None:
    case = advisor.case({"complex": "yes"})
    for again in (copy.copy(case), copy.deepcopy(case), pickle.loads(pickle.dumps(case))):  # noqa: S301 - our own data
        assert isinstance(again, Case) and again == case and again.pack_sha256 == case.pack_sha256


def test_a_case_of_another_pack_is_validated_again(advisor: triage.Advisor) -> None:
    toy = triage.Advisor(ROOT / "tests" / "packs" / "toy")
    other = toy.case({})
    with pytest.raises(triage.InputError, match="unknown fact"):
        advisor.recommend(other)


def engines() -> list[triage.Advisor]:
    durable, reference = triage.Advisor(), triage.Advisor()
    reference.matcher = ReferenceMatcher(reference.pack)
    assert durable.matcher.name == "durable_rules"
    return [durable, reference]


ENTRIES: dict[str, Callable[[triage.Advisor, Any], object]] = {
    "assess": lambda advisor, answers: advisor.assess(answers),
    "recommend": lambda advisor, answers: advisor.recommend(answers),
    "what_if": lambda advisor, answers: advisor.what_if(answers, {"complex": "yes"}),
    "what_if changes": lambda advisor, answers: advisor.what_if({}, answers),
    "alternatives": lambda advisor, answers: advisor.alternatives(answers, 1),
    "why_not": lambda advisor, answers: advisor.why_not(answers, "decision_forum"),
    "Interview": lambda advisor, answers: triage.Interview(advisor, answers),
}
BAD = {
    "an extra key": ({**SAFE, "name": "x"}, "unknown fact 'name'"),
    "a bad answer": ({**SAFE, "complex": "maybe"}, "fact 'complex': 'maybe' is not an answer"),
    "a bad enumerated answer": ({"plan_status": "yes"}, "fact 'plan_status': 'yes' is not an answer"),
    "not an object": (["complex"], "the answers must be a JSON object"),
}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("bad", BAD)
def test_every_public_entry_validates_the_same_way_whatever_the_engine(entry: str, bad: str) -> None:
    answers, message = BAD[bad]
    errors = []
    for advisor in engines():
        with pytest.raises(triage.InputError) as raised:
            ENTRIES[entry](advisor, answers)
        errors.append(str(raised.value))
    assert errors[0] == errors[1] and errors[0].startswith(message)


def test_recommend_fills_in_a_partial_case_as_assess_does() -> None:
    for advisor in engines():
        rec = advisor.recommend({"immediate_danger": "yes"})
        assert rec.primary_route == "emergency_response"
        assert rec.audit.facts["complex"] == "unknown"


def test_a_batch_line_is_validated_the_same_way_whatever_the_engine() -> None:
    outputs = []
    for advisor in engines():
        out = io.StringIO()
        triage.run_batch(io.BytesIO(b'{"name": "x"}\n{"complex": "maybe"}\n'), out, advisor=advisor)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and "unknown fact" in outputs[0]


def test_the_input_model_is_accepted_wherever_answers_are(advisor: triage.Advisor) -> None:
    model = advisor.input_model
    assert issubclass(model, triage.InputModel)
    answers = model(immediate_danger="no", complex=True)
    assert answers.answers() == {"immediate_danger": "no", "complex": True}
    assert advisor.case(answers) == advisor.case({"immediate_danger": "no", "complex": "yes"})
    assert advisor.assess(answers).audit.facts["complex"] == "yes"
    with pytest.raises(ValueError, match="Extra inputs"):
        model(name="x")


ODD_ANSWERS: list[object] = [
    "yes",
    "no",
    "unknown",
    "YES",
    "Yes",
    " yes",
    "yes ",
    "yes\n",
    "\tno",
    "NO",
    "Unknown",
    "UNKNOWN",
    "y",
    "n",
    "",
    " ",
    "ye s",
    "yes\x00",
    "\uff59\uff45\uff53",
    "ÿes",
    "\u202eyes",
    True,
    False,
    None,
    0,
    1,
    1.0,
    [],
    ["yes"],
    {},
    {"answer": "yes"},
    "none",
    "child_protection_plan",
    "CHILDS_PLAN",
]


@pytest.mark.parametrize("fact", ["complex", "plan_status"])
def test_the_library_the_server_and_the_input_schema_agree_on_odd_answers(
    advisor: triage.Advisor, fact: str
) -> None:
    schema = json.loads((ROOT / "schemas" / "input.schema.json").read_text())
    client = TestClient(create_app(advisor))
    for value in ODD_ANSWERS:
        answers = {fact: value}
        by_schema = jsonschema.Draft202012Validator(schema).is_valid(answers)
        try:
            advisor.assess(answers)
        except triage.InputError as error:
            by_library = False
            assert (error.code, error.field) == ("bad_answer", fact), value
        else:
            by_library = True
        response = client.post("/v1/assess", json={"answers": answers})
        assert response.status_code in (200, 422), value
        assert by_schema == by_library == (response.status_code == 200), (value, by_schema, by_library)


def test_a_word_typed_on_the_command_line_is_read_whatever_its_case_but_json_is_taken_exactly() -> None:
    typed = run_cli("assess", "--fact", "immediate_danger= Yes", "--json")
    assert typed.returncode == 0, typed.stderr
    assert '"immediate_danger": "yes"' in typed.stdout
    sent = run_cli("assess", "--input", "-", stdin='{"immediate_danger": "Yes"}')
    assert sent.returncode == 2
    assert sent.stderr == (
        "triage: error: stdin: fact 'immediate_danger': 'Yes' is not an answer "
        "(use yes, no, unknown: lower case, no spaces)\n"
    )
