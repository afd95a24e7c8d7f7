"""Answers built without validation (_plain.made) and written without pydantic's serializer
(_plain.plain_data) are exactly what pydantic itself would build and write."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from pydantic import ValidationError
from strategies import cases

import triage
from triage._plain import plain_data


@settings(max_examples=300, deadline=None)
@given(cases())
def test_an_answer_equals_the_same_answer_validated_by_pydantic(case: dict[str, str]) -> None:
    rec = triage.Advisor().assess(case)
    validated = triage.Recommendation.model_validate(rec.model_dump())
    assert rec == validated
    assert rec.model_dump_json() == validated.model_dump_json()
    assert rec.model_fields_set == validated.model_fields_set


@settings(max_examples=300, deadline=None)
@given(cases())
def test_plain_data_is_model_dump_json_mode_in_the_same_key_order(case: dict[str, str]) -> None:
    rec = triage.Advisor().assess(case)
    assert json.dumps(plain_data(rec)) == json.dumps(rec.model_dump(mode="json"))


def test_an_answer_built_without_validation_is_still_frozen() -> None:
    rec = triage.assess({})
    with pytest.raises(ValidationError):
        rec.primary_route = "emergency_response"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        rec.routes[0].title = "changed"  # type: ignore[misc]
