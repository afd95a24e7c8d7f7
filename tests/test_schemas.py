"""The published JSON Schemas (schemas/): in step with the models, and true of real data."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import ROOT, load_scenarios, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import FACTS, answers_of, partial_answers

import triage
from cli import main
from triage._case import make_case
from triage._pack import MAX_FILE_BYTES, pack_files, read_yaml
from triage._schema import SCHEMA_KINDS, json_schema

SCHEMAS = ROOT / "schemas"
REGENERATE = "for kind in input output pack; do triage schema $kind > schemas/$kind.schema.json; done"


def published(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    return data


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(published(kind))


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_published_schema_matches_the_models(kind: str, advisor: triage.Advisor) -> None:
    assert published(kind) == json_schema(kind, advisor.pack), (
        f"schemas/{kind}.schema.json is stale: the models or the default pack changed. "
        f"Regenerate every generated file: `python tools/regenerate.py`; or this one:\n  {REGENERATE}"
    )


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_published_schema_is_valid_json_schema(kind: str) -> None:
    schema = published(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_command_prints_the_published_file_exactly() -> None:
    # So that `triage schema X > schemas/X.schema.json` is the way to regenerate.
    for kind in SCHEMA_KINDS:
        result = CliRunner().invoke(main, ["schema", kind])
        assert result.exit_code == 0
        assert result.output == (SCHEMAS / f"{kind}.schema.json").read_text()


@pytest.mark.parametrize(
    "facts",
    [
        [],
        ["immediate_danger=yes"],
        ["immediate_danger=no", "unreported_harm_concern=no", "complex=yes", "multiagency=yes"],
        ["immediate_danger=no", "unreported_harm_concern=no", "child_died=yes", "multiagency=no"],
        ["decision_sought=yes", "plan_status=looked_after", "reflection_sought=no"],
    ],
)
def test_real_assess_json_output_is_valid(facts: list[str]) -> None:
    result = run_cli("assess", *[arg for fact in facts for arg in ("--fact", fact)], "--json")
    assert result.returncode == 0, result.stderr
    validator("output").validate(json.loads(result.stdout))


@settings(max_examples=40, deadline=None)
@given(answers=partial_answers())
def test_every_answer_is_valid_against_the_output_schema(
    answers: dict[str, object], advisor: triage.Advisor
) -> None:
    validator("output").validate(advisor.assess(answers).model_dump(mode="json"))


def test_output_schema_rejects_a_wrong_answer(advisor: triage.Advisor) -> None:
    data = advisor.assess({"complex": "yes"}).model_dump(mode="json")
    data["rcd"]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validator("output").validate(data)
    del data["notice"]
    assert not validator("output").is_valid(data)


def test_every_file_of_the_default_pack_is_valid(advisor: triage.Advisor) -> None:
    # triage's own loader: plain PyYAML would read yes/no as booleans.
    files = pack_files(ROOT / "rules" / "moray")
    assert {path.name for path in files} >= {"pack.yaml", "facts.yaml", "routes.yaml", "rules.yaml"}
    check = validator("pack")
    for path in files:
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in check.iter_errors(read_yaml(path, limit=MAX_FILE_BYTES))
        ]
        assert not errors, f"{path.name}: {errors[:3]}"


def test_every_pack_file_names_the_schema_for_editors() -> None:
    for path in pack_files(ROOT / "rules" / "moray"):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schemas/pack.schema.json", path.name


def test_pack_schema_catches_what_editors_should_flag() -> None:
    check = validator("pack")
    rule = {
        "id": "x",
        "effect": "recommend",
        "route": "decision_forum",
        "when": {"all": [{"fact": "complex", "is": "yes"}, {"fact": "multiagency", "is": ["yes", "no"]}]},
        "reason": "r",
        "source": {"document": "brief", "section": "B1"},
    }
    assert check.is_valid({"rules": [rule]})
    assert not check.is_valid({"rules": [{**rule, "effect": "recomend"}]})
    assert not check.is_valid({"rules": [{**rule, "reasn": "r"}]})
    assert not check.is_valid({"rules": [{**rule, "when": {"fact": "complex", "is": []}}]})
    assert not check.is_valid({"version": "one"})
    assert not check.is_valid({"rule": []})


def test_scenario_inputs_are_valid_against_the_input_schema() -> None:
    check = validator("input")
    for scenario in load_scenarios():
        check.validate(scenario["facts"])


ODD = st.sampled_from(("maybe", "", 1, 0.5, [], {}))
ANSWERS = sorted({answer for fact in FACTS for answer in answers_of(fact)})


@settings(max_examples=150, deadline=None)
@given(
    answers=st.dictionaries(
        st.sampled_from((*FACTS, "complx", "name")),
        st.one_of(st.sampled_from(("yes", "no", "unknown", True, False, None, *ANSWERS)), ODD),
        max_size=6,
    )
)
def test_input_schema_accepts_exactly_what_the_advisor_accepts(
    answers: dict[str, object], advisor: triage.Advisor
) -> None:
    try:
        make_case(answers, advisor.pack)
        accepted = True
    except triage.InputError:
        accepted = False
    assert validator("input").is_valid(answers) == accepted


def test_every_published_schema_has_an_id_and_a_version(advisor: triage.Advisor) -> None:
    ids = set()
    for kind in SCHEMA_KINDS:
        schema = published(kind)
        assert schema["$id"].startswith(f"urn:triage:schema:{kind}:") and schema["version"], kind
        assert schema["$id"].endswith(schema["version"])
        ids.add(schema["$id"])
    assert len(ids) == len(SCHEMA_KINDS)
    assert published("output")["version"] == triage.__version__
    assert published("input")["version"] == f"{advisor.pack.id}-{advisor.pack.version}"


def test_the_output_schema_allows_new_properties_and_the_input_schema_does_not(
    advisor: triage.Advisor,
) -> None:
    data = advisor.assess({"complex": "yes"}).model_dump(mode="json")
    data["added_later"] = {"any": "thing"}
    data["routes"][0]["added_later"] = 1
    data["audit"]["added_later"] = True
    validator("output").validate(data)  # a later, additive release must not break strict consumers
    del data["primary_route"]
    assert not validator("output").is_valid(data)  # what is there is still checked
    assert validator("input").is_valid({"complex": "yes"})
    assert not validator("input").is_valid({"complex": "yes", "added_later": "yes"})


@pytest.mark.parametrize(
    "name", [name for name in triage.__all__ if isinstance(getattr(triage, name), type(BaseModel))]
)
def test_no_docstring_example_reaches_a_models_json_schema(name: str) -> None:
    # FastAPI shows these descriptions in OpenAPI: the doctests are for Python readers only.
    model = getattr(triage, name)
    if issubclass(model, BaseModel):
        assert ">>>" not in json.dumps(model.model_json_schema())
    assert ">>>" not in json.dumps(triage.Advisor().input_model.model_json_schema())
