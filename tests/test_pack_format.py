"""The pack format's version: a pack without one, or with this triage's, loads as before; a pack
written for a newer format is refused with one line saying so (not with its unknown keys); a
format that is not a whole number from 1 up is named in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit, run_cli

import triage
from triage._pack import PACK_FORMAT


def test_a_pack_without_a_format_and_one_with_this_format_answer_alike(toy: Path) -> None:
    before = triage.Advisor(toy)
    edit(toy, "pack.yaml", "id: toy-service-desk", f"format: {PACK_FORMAT}\nid: toy-service-desk")
    after = triage.Advisor(toy)
    assert before.pack.sha256 != after.pack.sha256
    for case in ({}, {"data_exposed": "yes"}, {"data_exposed": "no", "service_down": "yes"}):
        assert before.primary_route(case) == after.primary_route(case)
    result = run_cli("rules", "check", str(toy))
    assert result.returncode == 0, result.stdout


def test_a_pack_of_a_newer_format_is_refused_in_one_line_about_the_format(toy: Path) -> None:
    edit(toy, "pack.yaml", "id: toy-service-desk", "format: 2\nid: toy-service-desk\nescalates_to: major")
    result = run_cli("rules", "check", str(toy))
    assert result.returncode == 1 and result.stderr == ""
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stdout
    assert "written in pack format 2" in errors[0] and "install a newer triage" in errors[0]
    assert "escalates_to" not in result.stdout  # a newer format's keys are not mistakes to list
    assess = run_cli("assess", "--rules", str(toy))
    assert assess.returncode != 0 and "Traceback" not in assess.stderr
    assert len(assess.stderr.strip().splitlines()) == 1 and "pack format 2" in assess.stderr


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("0", "must be 1 or more, not 0"),
        ("-1", "must be 1 or more, not -1"),
        ("1.5", "must be a whole number, not 1.5"),
        ("one", "must be a whole number, not 'one'"),
        ("true", "must be a whole number, not true"),
        ('"1"', "must be a whole number, not a text"),
    ],
)
def test_a_format_that_is_not_a_whole_number_from_one_is_named_in_words(
    toy: Path, written: str, words: str
) -> None:
    edit(toy, "pack.yaml", "id: toy-service-desk", f"format: {written}\nid: toy-service-desk")
    result = run_cli("rules", "check", str(toy))
    assert result.returncode == 1
    assert f"format: {words}" in result.stdout, result.stdout
