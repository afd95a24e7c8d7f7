"""The case-record format: `triage assess --format markdown` and `triage.render_markdown`."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from conftest import flat, route_title, run_cli
from hypothesis import given, settings
from strategies import partial_answers

import triage
from cli import main

SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}
RCD_AND_DECISION = {**SAFE, "complex": "yes", "multiagency": "yes", "reflection_sought": "yes"}
RCD_AND_DECISION["decision_sought"] = "yes"


def sections(record: str) -> dict[str, str]:
    """The record's level-2 sections by title (numbers in brackets dropped), the head as ''."""
    parts = re.split(r"^## (.+)$", record, flags=re.MULTILINE)
    found = {"": parts[0]}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        found[re.sub(r" \(.*\)$", "", title)] = body
    return found


def record(answers: dict[str, object], advisor: triage.Advisor) -> tuple[triage.Recommendation, str]:
    rec = advisor.assess(answers)
    return rec, triage.render_markdown(rec)


def test_record_has_the_parts_of_a_case_file_entry_in_order(advisor: triage.Advisor) -> None:
    rec, text = record(RCD_AND_DECISION, advisor)
    assert text.startswith("# Route advice for a case: advice to discuss, not a decision\n")
    assert list(sections(text)) == ["", "Answers given", "Advice", "Open questions"]
    head = sections(text)[""]
    assert f"> {' '.join(advisor.pack.notice.split())}" in head
    assert f"**Question asked:** {advisor.pack.title}" in head
    assert f"**Primary route:** {route_title('decision_forum')} (`decision_forum`)" in head
    assert "provisional" in head and rec.provisional
    assert f"**{route_title('reflective_case_discussion')}:** recommended" in head
    footer = text.split("\n---\n")[-1]
    audit = rec.audit
    assert f"`{audit.pack}` version {audit.pack_version}, sha256 `{audit.pack_sha256}`" in footer
    assert audit.engine in footer and audit.timestamp in footer and audit.library_version in footer


def test_advice_lists_every_route_most_urgent_first_with_reasons_and_sources(
    advisor: triage.Advisor,
) -> None:
    rec, text = record(RCD_AND_DECISION, advisor)
    advice = sections(text)["Advice"]
    headings = re.findall(r"^### \d+\. .+\(`(\w+)`", advice, flags=re.MULTILINE)
    assert headings == [route.id for route in rec.routes] == ["decision_forum", "reflective_case_discussion"]
    assert "`decision_forum`, primary route)" in advice
    assert "Send it to the Social Work Reviewing Team." in advice
    assert "B5: 'A Reflective Case Discussion meeting is not a decision-making forum' (rule" in advice
    assert "(rule `forum_decision_sought`)" in advice
    assert "(rule `advice_rcd_not_decision`)" in advice


def test_ruled_out_routes_say_which_rule_and_why(advisor: triage.Advisor) -> None:
    _, text = record({**SAFE, "multiagency": "no"}, advisor)
    advice = sections(text)["Advice"]
    ruled_out = advice.split("### Ruled out")[1]
    reason = " ".join(advisor.pack.rule["rcd_out_single_agency"].reason.split())
    assert f"{route_title('reflective_case_discussion')}: {reason}" in flat(ruled_out)
    assert "(rule `rcd_out_single_agency`)" in ruled_out
    assert f"### {route_title('reflective_case_discussion')}: not recommended" in advice


def test_safety_route_comes_first_in_the_record(advisor: triage.Advisor) -> None:
    _, text = record({"immediate_danger": "yes", "complex": "yes", "multiagency": "yes"}, advisor)
    assert f"**Primary route:** {route_title('emergency_response')}" in text
    first = re.search(r"^### 1\. (.+)$", text, flags=re.MULTILINE)
    assert first is not None and first.group(1).startswith(route_title("emergency_response"))


def test_no_open_questions_is_said_in_words(advisor: triage.Advisor) -> None:
    rec, text = record({"immediate_danger": "yes"}, advisor)
    assert not rec.questions
    assert "None: no answer still unknown could change the primary route." in sections(text)["Open questions"]


@settings(max_examples=60, deadline=None)
@given(answers=partial_answers())
def test_answers_given_and_unknown_are_kept_apart(
    answers: dict[str, object], advisor: triage.Advisor
) -> None:
    rec, text = record(answers, advisor)
    given_part = sections(text)["Answers given"]
    known = {fact: answer for fact, answer in rec.audit.facts.items() if answer != "unknown"}
    answered = re.findall(r"\*\*(\w+)\*\* \(`(\w+)`\)$", given_part, flags=re.MULTILINE)
    assert {fact: answer for answer, fact in answered} == known
    not_known = re.search(r"^Not known \((\d+)\): (.*)\.$", given_part, flags=re.MULTILINE)
    unknown = [fact for fact, answer in rec.audit.facts.items() if answer == "unknown"]
    if unknown:
        assert not_known is not None
        assert re.findall(r"`(\w+)`", not_known.group(2)) == unknown
    else:
        assert not_known is None
    questions = re.findall(r"^\d+\. .+ \(`(\w+)`\)$", sections(text)["Open questions"], flags=re.MULTILINE)
    assert questions == [q.fact for q in rec.questions]


def test_format_markdown_on_the_command_line() -> None:
    args = ["assess", *[a for f, v in RCD_AND_DECISION.items() for a in ("--fact", f"{f}={v}")]]
    result = CliRunner().invoke(main, [*args, "--format", "markdown"])
    assert result.exit_code == 0
    rec = triage.assess(RCD_AND_DECISION)
    expected = triage.render_markdown(rec)
    strip = re.compile(r"assessed \S+\.$")
    assert strip.sub("", result.output.rstrip("\n")) == strip.sub("", expected)

    installed = run_cli(*args, "--format", "markdown")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.startswith("# Route advice for a case")


def test_json_flag_is_an_alias_of_format_json() -> None:
    runner = CliRunner()
    as_flag = json.loads(runner.invoke(main, ["assess", "--fact", "complex=yes", "--json"]).output)
    as_format = json.loads(
        runner.invoke(main, ["assess", "--fact", "complex=yes", "--format", "json"]).output
    )
    for data in (as_flag, as_format):
        del data["audit"]["timestamp"]
    assert as_flag == as_format
    text = runner.invoke(main, ["assess", "--fact", "complex=yes", "--format", "text"]).output
    assert text == runner.invoke(main, ["assess", "--fact", "complex=yes"]).output


def test_json_flag_and_another_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["assess", "--json", "--format", "markdown"])
    assert result.exit_code == 2
    assert "--json and --format markdown disagree" in result.output
    result = CliRunner().invoke(main, ["assess", "--format", "html"])
    assert result.exit_code == 2
