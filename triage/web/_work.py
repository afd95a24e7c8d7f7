"""The advice as the API sends it: one function per tool, the Advisor and the request's fields in,
the answer's JSON bytes out.

The pool's processes run these (they travel there by name), so this module imports the library
and nothing of the web server: an advice process starts in the time it takes to load the library.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage._advisor import Advisor
from triage._interview import Interview
from triage._reasoning_results import Question
from triage._recommendation import Recommendation


class NextQuestion(BaseModel):
    """The next question of the interview on the answers so far (none when it is over), and the
    advice on those answers."""

    model_config = ConfigDict(frozen=True)

    question: Question | None = Field(description="null when no answer left can change the advice.")
    recommendation: Recommendation


def json_bytes(model: BaseModel) -> bytes:
    """A model's JSON as the API sends it (the same bytes as a JSONResponse of its dump, made in
    one step): the serializer's bytes, of which `model_dump_json` is the text."""
    return type(model).__pydantic_serializer__.to_json(model)


def assess_json(advisor: Advisor, answers: dict[str, Any]) -> bytes:
    return json_bytes(advisor.assess(answers))


def what_if_json(advisor: Advisor, answers: dict[str, Any], changes: dict[str, Any]) -> bytes:
    return json_bytes(advisor.what_if(answers, changes))


def alternatives_json(advisor: Advisor, answers: dict[str, Any], max_changes: int) -> bytes:
    return json_bytes(advisor.alternatives(answers, max_changes))


def why_not_json(advisor: Advisor, answers: dict[str, Any], route: str) -> bytes:
    return json_bytes(advisor.why_not(answers, route))


def interview_json(advisor: Advisor, answers: dict[str, Any]) -> bytes:
    interview = Interview(advisor, answers=answers)
    return json_bytes(
        NextQuestion(question=interview.next_question(), recommendation=interview.recommendation())
    )
