"""Questions asked together: the groups a pack declares, as the interview, `triage ask` and the
page offer them; safety questions first and alone; every interview still ends settled."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import pytest
from conftest import edit
from hypothesis import given, settings
from strategies import cases

import triage
from triage._interview import converse, help_text, pages_to_settle
from triage._scenarios import scenario_cases


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_page_asks_only_open_questions_and_the_interview_ends_settled(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    interview = triage.Interview(advisor)
    while (page := interview.next_questions()) is not None:
        facts = [question.fact for question in page.questions]
        still_open = interview.open_facts()
        assert still_open[0] in facts  # the next question in the interview's order leads the page
        assert set(facts) <= set(still_open)  # never a question outside the interview's lists
        assert not set(facts) & set(interview.answers)
        if any(question.safety for question in page.questions):
            assert len(facts) == 1 and page.title == ""  # safety questions alone
        for fact in facts:
            interview.answer(fact, case[fact])
    assert interview.open_facts() == []
    assert interview.recommendation().primary_route == advisor.primary_route(case)


def test_a_group_page_holds_its_open_questions_in_the_group_order(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor, {"immediate_danger": "no", "unreported_harm_concern": "no"})
    page = interview.next_questions()
    assert page is not None
    group = advisor.pack.group_of[page.questions[0].fact]
    assert page.title == group.title
    facts = [question.fact for question in page.questions]
    assert len(facts) > 1
    assert facts == [fact for fact in group.facts if fact in facts]


def test_the_pack_s_scenarios_take_few_pages(advisor: triage.Advisor) -> None:
    cases = scenario_cases([triage.default_pack_path() / "scenarios"], advisor=advisor)
    counts = [pages_to_settle(advisor, case) for case in cases]
    assert len(counts) > 40
    assert statistics.mean(counts) <= 5.5
    assert max(counts) <= 9


def test_the_conversation_shows_a_group_heading_once_then_each_question(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor, {"immediate_danger": "no", "unreported_harm_concern": "no"})
    page = interview.next_questions()
    assert page is not None and len(page.questions) > 1
    shown: list[str] = []
    replies = iter(["no"] * len(page.questions))
    converse(interview, ask=lambda prompt: shown.append(prompt) or next(replies, None), tell=shown.append)
    assert shown.count(page.title) == 1
    prompts = [text for text in shown if text.startswith("Question")][: len(page.questions)]
    for question, prompt in zip(page.questions, prompts, strict=True):
        assert question.text[:20] in prompt


def test_help_for_a_question_without_help_only_says_how_to_answer(advisor: triage.Advisor) -> None:
    question = triage.Interview(advisor).question("child_died")
    assert question.help == ""
    text = help_text(question)
    assert "No more help" not in text
    assert text.strip().startswith("Answer yes / no")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), folder)
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "groups.yaml",
            "[multiagency, complex,",
            "[immediate_danger, complex,",
            "'immediate_danger' is a safety",
        ),
        ("groups.yaml", "[multiagency, complex,", "[multiagncy, complex,", "unknown fact 'multiagncy'"),
        ("groups.yaml", "[multiagency, complex,", "[decision_sought, complex,", "also in group 'request'"),
        ("groups.yaml", "  - id: case\n", "  - id: request\n", "duplicate id 'request'"),
        (
            "facts.yaml",
            "      none: No plan",
            "      nothing: No plan",
            "'nothing' is not one of its answers",
        ),
    ],
)
def test_a_broken_group_or_answer_wording_is_refused_naming_it(
    pack_copy: Path, name: str, old: str, new: str, expected: str
) -> None:
    edit(pack_copy, name, old, new)
    with pytest.raises(triage.PackError, match=expected) as caught:
        triage.load_pack(pack_copy)
    assert name in str(caught.value)
