"""A small typed consumer of triage: type-checked by mypy --strict and pyright strict
(tests/test_typing.py). It uses the public face only."""

from __future__ import annotations

import triage
from triage import Answers, InputModel, Recommendation


def advise(answers: Answers) -> str:
    rec: Recommendation = triage.assess(answers)
    return rec.primary_route


def advise_model(answers: InputModel, advisor: triage.Advisor) -> list[str]:
    return [route.id for route in advisor.assess(answers).routes]


def first_question(interview: triage.Interview) -> str | None:
    question = interview.next_question()
    return None if question is None else question.fact


def main() -> None:
    answers: triage.Answers = {"complex": "yes", "immediate_danger": False, "plan_status": None}
    advisor = triage.Advisor()
    print(advise(answers), advise_model(advisor.input_model.model_validate({"complex": "yes"}), advisor))
    found: triage.Alternatives = advisor.alternatives(answers, 1)
    print([change.set for change in found.alternatives], first_question(triage.Interview(advisor)))
    print(triage.render_text(advisor.assess(answers)).splitlines()[0])
    try:
        triage.assess({"complx": "yes"})
    except triage.InputError as error:
        print(error.field)
