"""Why not: what keeps a route from being recommended, and whether unknown answers could change it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import flat, question_text, route_title, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FACTS, PACK, answers_of, cases

import triage
from cli import main
from triage._reasoning_text import render_alternatives, render_what_if, render_why_not

RCD = "reflective_case_discussion"
SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}


def test_a_route_that_is_ruled_out_names_the_rule(advisor: triage.Advisor) -> None:
    result = advisor.why_not({**SAFE, "multiagency": "no", "complex": "yes"}, RCD)
    assert not result.recommended
    assert [out.rule for out in result.ruled_out_by] == ["rcd_out_single_agency"]
    assert not result.could_be_recommended
    assert any("rcd_out_single_agency" in line for line in result.explanation)
    assert "No answers to the facts still unknown would make it recommended." in result.explanation


def test_a_rule_that_does_not_apply_says_what_it_needs(advisor: triage.Advisor) -> None:
    result = advisor.why_not({**SAFE, "complex": "no", "multiagency": "yes"}, RCD)
    complex_rule = next(check for check in result.rules if check.rule == "rcd_complex")
    assert complex_rule.failed == (triage.FailedTest(fact="complex", needed=("yes",), given="no"),)
    stuck = next(check for check in result.rules if check.rule == "rcd_stuck_unknown_reason")
    assert [test.fact for test in stuck.failed] == ["not_progressing", "drift_reason_known"]
    assert result.could_be_recommended
    assert result.depends_on == ("child_died", "reflection_sought", "not_progressing", "drift_reason_known")
    (line,) = [line for line in result.explanation if line.endswith("[rule rcd_complex]")]
    assert line.startswith("It fits when ")
    assert line.endswith(f"; here '{question_text('complex')}' is answered no, not yes. [rule rcd_complex]")
    assert not any("'complex'" in line for line in result.explanation)  # the question, not the id


def test_a_negated_condition_needs_the_other_answers(advisor: triage.Advisor) -> None:
    result = advisor.why_not(
        {**SAFE, "agency_not_responding": "yes", "within_one_agency": "yes"}, "multiagency_escalation"
    )
    check = next(check for check in result.rules if check.rule == "esc_agency_not_responding")
    assert check.failed == (
        triage.FailedTest(fact="within_one_agency", needed=("no", "unknown"), given="yes"),
    )


def test_a_recommended_route_says_so_and_shows_its_rules(advisor: triage.Advisor) -> None:
    answers = {**SAFE, "multiagency": "yes", "complex": "yes", "decision_sought": "yes"}
    result = advisor.why_not(answers, RCD)
    assert result.recommended
    assert result.primary_route == "decision_forum"
    assert [check.rule for check in result.rules if check.fired] == ["rcd_complex"]
    assert result.explanation[0].endswith(
        f"recommended, but {route_title('decision_forum')} comes first (more urgent)."
    )


def test_the_default_route_names_the_routes_in_its_way(advisor: triage.Advisor) -> None:
    result = advisor.why_not({"immediate_danger": "yes"}, "no_additional_route")
    assert not result.recommended
    assert result.rules == ()
    assert not result.could_be_recommended  # immediate danger is answered: nothing can undo it
    assert any("Emergency response" in line for line in result.explanation)
    open_case = advisor.why_not(SAFE, "no_additional_route")
    assert open_case.recommended


def test_an_unknown_route_suggests_the_closest(advisor: triage.Advisor) -> None:
    with pytest.raises(triage.InputError, match="unknown route 'reflective_case_discusion' \\(did you mean"):
        advisor.why_not({}, "reflective_case_discusion")


def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def test_cli_explain_why_not_text(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**SAFE, "multiagency": "yes", "complex": "yes", "reflection_sought": "no"}))
    result = invoke("explain", str(path), "--why-not", RCD)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "NOT RECOMMENDED" in out
    reason = flat(triage.load_pack(triage.default_pack_path()).rule["rcd_out_no_reflection"].reason)
    assert f"Ruled out: {reason}" in out and "[rule rcd_out_no_reflection]" in out
    assert "not a decision" in out


def test_cli_explain_why_not_json_is_the_library_answer(advisor: triage.Advisor) -> None:
    result = invoke("explain", "-", "--why-not", "decision_forum", "--json", stdin=json.dumps(SAFE))
    assert json.loads(result.stdout) == advisor.why_not(SAFE, "decision_forum").model_dump(mode="json")


def test_cli_explain_needs_a_route() -> None:
    assert invoke("explain", "-", stdin="{}").exit_code == 2


def test_console_script_explain() -> None:
    good = run_cli("explain", "-", "--why-not", "decision_forum", "--json", stdin=json.dumps(SAFE))
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert data["could_be_recommended"] is True
    assert data["depends_on"] == ["decision_sought"]
    bad = run_cli("explain", "-", "--why-not", "decison_forum", stdin="{}")
    assert bad.returncode == 2
    assert (
        bad.stderr.strip() == "triage: error: unknown route 'decison_forum' (did you mean 'decision_forum'?)"
    )


NAMED = re.compile(r"\[(?:rule )?[\w.-]+\]")


def laid_out_at_80(text: str) -> None:
    """Every line within 80 columns (a bracketed name alone may not fit), and no bracketed name
    broken across two lines ("[rule" at the end of one, the id on the next)."""
    for line in text.splitlines():
        assert len(line) <= 80 or NAMED.fullmatch(line.strip()), line
        assert line.count("[") == line.count("]") or "source:" in line, line


@settings(max_examples=60, deadline=None)
@given(case=cases(), route=st.sampled_from(tuple(PACK.route)), fact=st.sampled_from(FACTS))
def test_the_reasoning_texts_keep_to_80_columns_and_their_names_whole(
    case: dict[str, str], route: str, fact: str
) -> None:
    """Why-not, what-if and the alternatives as `triage explain` and `triage what-if` print them:
    the headings wrapped too (a long route title or pack name ran past 80 columns)."""
    advisor = triage.Advisor(PACK)
    laid_out_at_80(render_why_not(advisor.why_not(case, route)))
    other = next(answer for answer in answers_of(fact) if answer != case[fact])
    laid_out_at_80(render_what_if(advisor.what_if(case, {fact: other})))
    laid_out_at_80(render_alternatives(advisor.alternatives(case, max_changes=1)))
