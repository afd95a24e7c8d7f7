"""Error messages never repeat free text: a value or key typed where an answer or a fact id belongs
may be a name or an address, and messages end up on screens, in logs and in batch output files.

A short single word (a typo such as 'maybe') is repeated, so is a key that looks like an id; all
else is described ("a text of 20 characters", "a number")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import triage
from triage._errors import describe, describe_key
from triage._interview import parse_reply

PERSONAL = "Jane Doe, 12 High St"  # made up; stands for any name, date of birth or address
PARTS = ("Jane", "Doe", "High", "12")


def assert_not_echoed(message: str) -> None:
    for part in PARTS:
        assert part not in message, message


def test_library_errors_do_not_echo_a_name_as_a_value_or_a_key(advisor: triage.Advisor) -> None:
    for answers in ({"complex": PERSONAL}, {PERSONAL: "yes"}, {"complex": {"name": PERSONAL}}):
        with pytest.raises(triage.InputError) as caught:
            advisor.assess(answers)
        assert_not_echoed(str(caught.value))
        assert_not_echoed(str(caught.value.field))


def test_interview_reply_and_fact_are_not_echoed() -> None:
    interview = triage.Interview()
    question = interview.next_question()
    assert question is not None
    with pytest.raises(triage.InputError) as caught:
        parse_reply(PERSONAL, question)
    assert str(caught.value).startswith("a text of 20 characters is not an answer")
    with pytest.raises(triage.InputError) as caught:
        interview.answer(PERSONAL, "yes")
    assert str(caught.value) == "unknown fact (a key of 20 characters)"


def test_fact_option_is_not_echoed() -> None:
    for option in (f"complex={PERSONAL}", PERSONAL, f"{PERSONAL}=yes"):
        result = run_cli("assess", "--fact", option)
        assert result.returncode == 2
        assert_not_echoed(result.stderr)


def test_batch_output_file_does_not_echo(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(json.dumps({"complex": PERSONAL}) + "\n" + json.dumps({PERSONAL: "no"}) + "\n")
    out = tmp_path / "out.jsonl"
    summary = triage.run_batch(source, out)
    assert summary.bad == 2
    written = out.read_text()
    assert_not_echoed(written)
    assert [json.loads(line)["error"]["message"] for line in written.splitlines()] == [
        "fact 'complex': a text of 20 characters is not an answer (use yes, no, unknown)",
        "unknown fact (a key of 20 characters)",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_only_a_short_word_or_an_id_is_ever_repeated(text: str) -> None:
    shown = describe(text)
    if shown.startswith("'"):
        assert shown == f"'{text}'" and text.isalpha() and len(text) <= 12
    else:
        assert shown == f"a text of {len(text)} characters"
    key = describe_key(text)
    if key.startswith("'"):
        assert key == f"'{text}'" and 0 < len(text) <= 64
        assert set(text) <= set("abcdefghijklmnopqrstuvwxyz0123456789_")
    else:
        assert key == f"(a key of {len(text)} characters)"
