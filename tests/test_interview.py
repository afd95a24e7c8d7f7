"""The interview: asks only what can still change the primary route, safety first, never twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import flat, load_scenarios, question_text, route_title, run_cli
from hypothesis import given, settings
from strategies import YES_NO_FACTS, cases

import triage
from cli import main
from triage._interview import converse, parse_reply
from triage._wording import one_line

SCENARIOS = {scenario["name"]: scenario for scenario in load_scenarios()}


def interview_from(case: dict[str, str], advisor: triage.Advisor) -> triage.Interview:
    """Run an interview to its end, answering each question from a full case."""
    interview = triage.Interview(advisor)
    while (question := interview.next_question()) is not None:
        open_now = [q.fact for q in interview.recommendation().questions]
        assert question.fact in open_now, "asked a fact outside the current questions"
        assert question.fact not in interview.answers, "asked a fact twice"
        interview.answer(question.fact, case.get(question.fact, "unknown"))
    return interview


def interview_by_pages(case: dict[str, str], advisor: triage.Advisor) -> triage.Interview:
    """Run an interview to its end a page (a group of questions) at a time, answering from a case
    (unknown for a fact it does not give), as the page and `triage ask` do."""
    interview = triage.Interview(advisor)
    while (page := interview.next_questions()) is not None:
        for question in page.questions:
            interview.answer(question.fact, case.get(question.fact, "unknown"))
    return interview


def replies_for(case: dict[str, str], advisor: triage.Advisor) -> list[str]:
    """The replies a practitioner holding this case would type, in the order they are asked."""
    return [case.get(fact, "unknown") for fact in interview_by_pages(case, advisor).asked]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_interview_ends_on_the_primary_route_of_the_full_case(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    interview = interview_from(case, advisor)
    assert interview.recommendation().primary_route == advisor.primary_route(case)
    assert len(interview.asked) == len(set(interview.asked))


@settings(max_examples=100, deadline=None)
@given(cases())
def test_safety_questions_come_first(advisor: triage.Advisor, case: dict[str, str]) -> None:
    asked = interview_from(case, advisor).asked
    safety = [fact for fact in asked if advisor.pack.fact[fact].safety]
    assert list(asked[: len(safety)]) == safety


def test_a_safety_route_settled_by_an_unknown_answer_ends_the_interview(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    interview.answer("immediate_danger", "unknown")
    assert interview.next_question() is None
    assert interview.recommendation().primary_route == "child_protection_referral"


def test_an_interview_that_ends_on_the_forum_has_asked_for_the_plan(advisor: triage.Advisor) -> None:
    interview = triage.Interview(
        advisor, {"immediate_danger": "no", "unreported_harm_concern": "no", "decision_sought": "yes"}
    )
    asked = []
    while (question := interview.next_question()) is not None:
        asked.append(question.fact)
        interview.answer(question.fact, "no" if question.fact != "plan_status" else "none")
    assert "plan_status" in asked
    assert interview.recommendation().primary_route == "decision_forum"


def test_first_question_is_immediate_danger_with_its_wording(advisor: triage.Advisor) -> None:
    question = triage.Interview(advisor).next_question()
    assert question is not None
    assert question.fact == "immediate_danger"
    assert question.safety
    assert question.text == advisor.pack.fact["immediate_danger"].question
    assert question.answers == ("yes", "no", "unknown")


def test_help_text_comes_with_the_question(advisor: triage.Advisor) -> None:
    assert triage.Interview(advisor).question("multiagency").help == "Third-sector and adult services count."


def test_an_unknown_answer_is_final_and_never_asked_again(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    interview.answer("immediate_danger", "no")
    interview.answer("unreported_harm_concern", "unknown")
    # Only a known answer to that concern could lead elsewhere: nothing left to ask.
    assert interview.next_question() is None
    assert interview.recommendation().primary_route == "child_protection_referral"


def test_an_unknown_answer_to_immediate_danger_ends_at_the_referral(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    interview.answer("immediate_danger", "unknown")
    assert interview.next_question() is None
    assert interview.recommendation().primary_route == "child_protection_referral"


def test_a_yes_to_immediate_danger_needs_nothing_more(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    interview.answer("immediate_danger", "yes")
    assert interview.next_question() is None
    assert interview.recommendation().primary_route == "emergency_response"


def test_answers_given_at_the_start_are_not_asked(advisor: triage.Advisor) -> None:
    start = {"immediate_danger": "no", "unreported_harm_concern": "unknown", "complex": "yes"}
    interview = triage.Interview(advisor, start)
    assert interview.next_question() is None
    assert interview.asked == ()
    assert interview.answers == start


def test_undo_takes_back_the_last_answer(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    assert interview.undo() is None
    interview.answer("immediate_danger", "no")
    second = interview.next_question()
    interview.answer("unreported_harm_concern", "no")
    assert interview.undo() == "unreported_harm_concern"
    assert interview.next_question() == second
    assert interview.answers == {"immediate_danger": "no"}


def test_bad_answers_are_input_errors(advisor: triage.Advisor) -> None:
    interview = triage.Interview(advisor)
    with pytest.raises(triage.InputError, match="did you mean 'complex'"):
        interview.answer("complx", "yes")
    with pytest.raises(triage.InputError, match="not an answer"):
        interview.answer("complex", "maybe")
    interview.answer("complex", True)
    assert interview.answers == {"complex": "yes"}
    with pytest.raises(triage.InputError, match="already answered"):
        interview.answer("complex", "no")
    with pytest.raises(triage.InputError, match="unknown fact"):
        triage.Interview(advisor, {"nonsense": "yes"})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("yes", ("answer", "yes")),
        (" Y \n", ("answer", "yes")),
        ("n", ("answer", "no")),
        ("u", ("answer", "unknown")),
        ("?", ("help", "")),
        ("help", ("help", "")),
        ("not sure", ("answer", "unknown")),
        ("Not  Sure", ("answer", "unknown")),
        ("don\u2019t know", ("answer", "unknown")),
        ("skip", ("answer", "unknown")),
        ("unknown", ("answer", "unknown")),
        ("back", ("back", "")),
        ("b", ("back", "")),
        ("QUIT", ("quit", "")),
        ("q", ("quit", "")),
    ],
)
def test_typed_replies(typed: str, expected: tuple[str, str]) -> None:
    question = triage.Interview().question("complex")
    assert parse_reply(typed, question) == expected


def test_typed_reply_to_a_question_with_named_answers() -> None:
    question = triage.Interview().question("plan_status")
    assert parse_reply("childs_plan", question) == ("answer", "childs_plan")
    assert parse_reply("not sure", question) == ("answer", "unknown")
    with pytest.raises(triage.InputError, match="child_protection_plan / childs_plan"):
        parse_reply("yes", question)


def test_a_nonsense_reply_is_refused(advisor: triage.Advisor) -> None:
    with pytest.raises(triage.InputError, match="'maybe' is not an answer"):
        parse_reply("maybe", triage.Interview(advisor).question("complex"))


def converse_with(replies: list[str], advisor: triage.Advisor) -> tuple[triage.Recommendation, list[str]]:
    """Run the text conversation on scripted replies; the messages it showed."""
    queue = list(replies)
    shown: list[str] = []

    def ask(prompt: str) -> str | None:
        shown.append(prompt)
        return queue.pop(0) if queue else None

    return converse(triage.Interview(advisor), ask, shown.append), shown


def test_conversation_back_then_answer(advisor: triage.Advisor) -> None:
    rec, shown = converse_with(["no", "back", "yes"], advisor)
    assert rec.primary_route == "emergency_response"
    assert [text.split(":")[0] for text in shown if text.startswith("Question")] == [
        "Question 1 (safety)",
        "Question 2 (safety)",
        "Question 1 (safety)",
    ]
    assert shown[-1].startswith("Done after 1 question:")


def test_conversation_quit_gives_the_advice_so_far(advisor: triage.Advisor) -> None:
    rec, shown = converse_with(["no", "quit"], advisor)
    assert rec.audit.facts["immediate_danger"] == "no"
    assert rec.primary_route == "child_protection_referral"
    assert rec.provisional
    assert shown[-1].startswith("Stopped")


def test_conversation_end_of_input_gives_the_advice_so_far(advisor: triage.Advisor) -> None:
    rec, shown = converse_with(["n", "n"], advisor)
    assert rec.audit.facts["unreported_harm_concern"] == "no"
    assert shown[-1].startswith("End of input")


def test_conversation_re_asks_after_a_nonsense_reply(advisor: triage.Advisor) -> None:
    rec, shown = converse_with(["perhaps", "y"], advisor)
    assert rec.primary_route == "emergency_response"
    assert any("'perhaps' is not an answer" in text for text in shown)


def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def test_cli_ask_piped_answers_to_json(advisor: triage.Advisor) -> None:
    scenario = SCENARIOS["complex case across agencies, reflection wanted"]
    replies = replies_for(scenario["facts"], advisor)
    result = invoke("ask", "--json", stdin="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["primary_route"] == scenario["expect"]["primary"]
    assert result.stderr.count("Question ") == len(replies)


def test_cli_ask_empty_stdin_ends_cleanly_with_the_advice() -> None:
    result = invoke("ask", "--json", stdin="")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["primary_route"] == "child_protection_referral"
    assert "End of input" in result.stderr


def test_cli_ask_text_starts_from_an_input_file(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"immediate_danger": "no"}))
    result = invoke("ask", "--input", str(path), stdin="yes\n")
    assert result.exit_code == 0
    assert f"Question 1 (safety): {question_text('unreported_harm_concern')}" in flat(result.stderr)
    assert f"Primary route: {route_title('child_protection_referral')}" in flat(result.stdout)


def test_cli_ask_refuses_input_from_stdin() -> None:
    result = invoke("ask", "--input", "-", stdin="{}")
    assert result.exit_code == 2
    assert "reads its replies from stdin" in result.stderr


@pytest.mark.parametrize(
    "name",
    ["drifting for reasons nobody can name", "agency not responding to risk", "child in immediate danger"],
)
def test_console_script_ask_reaches_the_scenario_route(advisor: triage.Advisor, name: str) -> None:
    scenario = SCENARIOS[name]
    replies = replies_for(scenario["facts"], advisor)
    result = run_cli("ask", "--json", stdin="".join(f"{reply}\n" for reply in replies))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["primary_route"] == scenario["expect"]["primary"]
    assert result.stderr.count("Question ") == len(replies)
    assert "Done after" in result.stderr


def test_a_question_mark_shows_the_help_and_asks_again(advisor: triage.Advisor) -> None:
    answers = dict.fromkeys(YES_NO_FACTS, "no") | {"multiagency": "yes", "reflection_sought": "yes"}
    del answers["complex"]
    interview = triage.Interview(advisor, answers)
    question = interview.next_question()
    assert question is not None and question.fact == "complex" and question.help
    shown: list[str] = []
    replies = iter(["?", "not sure"])
    converse(interview, ask=lambda _prompt: next(replies, None), tell=shown.append)
    assert any(one_line(question.help) in one_line(text) for text in shown)
    assert interview.answers[question.fact] == "unknown"


def test_cli_ask_writes_the_case_record_with_the_answers_in_words(tmp_path: Path) -> None:
    out = tmp_path / "record.md"
    result = run_cli(
        "ask", "--format", "markdown", "--out", str(out), stdin="no\nno\nnot sure\n", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    record = out.read_text()
    assert record.startswith("# Route advice for a case")
    assert "now? **no** (`immediate_danger`)" in record
    assert "the response? **not sure** (`professional_disagreement`)" in record
    assert str(out) in result.stderr
    # A piped transcript shows each reply as typed: "not sure" is a reply, not free text.
    assert "not sure" in result.stderr and "(a text of" not in result.stderr


def test_cli_ask_out_to_a_missing_folder_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "record.md"
    result = run_cli("ask", "--out", str(out), stdin="")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) >= 1 and "Traceback" not in result.stderr
    assert not out.exists()
