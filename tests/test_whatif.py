"""What-if: before and after a change of answers, and the minimal changes that change the advice."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import flat, question_text, route_title, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FACTS, YES_NO_FACTS, answers_of, cases

import triage
from cli import main

RCD = {
    "complex": "yes",
    "multiagency": "yes",
    "reflection_sought": "yes",
    "immediate_danger": "no",
    "unreported_harm_concern": "no",
}


def test_what_if_names_the_rules_that_start_and_stop(advisor: triage.Advisor) -> None:
    result = advisor.what_if(RCD, {"reflection_sought": "no"})
    assert result.changed.primary_route
    assert result.changed.routes_removed == ("reflective_case_discussion",)
    assert result.changed.routes_added == ("no_additional_route",)
    assert result.changed.rules_fired == ("rcd_out_no_reflection",)
    assert result.changed.rules_unfired == ("advice_consult_manager",)


def test_what_if_without_a_real_change_changes_nothing(advisor: triage.Advisor) -> None:
    changed = advisor.what_if(RCD, {"complex": "yes"}).changed
    assert changed == triage.Changes(
        primary_route=False, routes_added=[], routes_removed=[], rules_fired=[], rules_unfired=[]
    )


def test_what_if_refuses_bad_changes(advisor: triage.Advisor) -> None:
    with pytest.raises(triage.InputError, match="did you mean 'complex'"):
        advisor.what_if(RCD, {"complx": "yes"})
    with pytest.raises(triage.InputError, match="not an answer"):
        advisor.what_if(RCD, {"complex": "perhaps"})


def brute_force(
    advisor: triage.Advisor, case: dict[str, str], max_changes: int
) -> set[tuple[frozenset[tuple[str, str]], str]]:
    """Every minimal change (all facts, all other answers) that changes the primary route, found by
    assessing each changed case."""
    now = advisor.primary_route(case)
    changing: dict[frozenset[tuple[str, str]], str] = {}
    for size in range(1, max_changes + 1):
        for facts in itertools.combinations(FACTS, size):
            options = [[a for a in answers_of(fact) if a != case[fact]] for fact in facts]
            for answers in itertools.product(*options):
                change = dict(zip(facts, answers, strict=True))
                route = advisor.primary_route({**case, **change})
                if route != now:
                    changing[frozenset(change.items())] = route
    return {
        (items, route) for items, route in changing.items() if not any(other < items for other in changing)
    }


@pytest.mark.soak
@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(1, 2))
def test_alternatives_are_exactly_the_minimal_changes(
    advisor: triage.Advisor, case: dict[str, str], max_changes: int
) -> None:
    result = advisor.alternatives(case, max_changes)
    assert result.primary_route == advisor.primary_route(case)
    found = [(frozenset(alt.set.items()), alt.primary_route) for alt in result.alternatives]
    assert len(found) == len(set(found))
    assert set(found) == brute_force(advisor, case, max_changes)
    order = [(len(alt.set), advisor.pack.urgency[alt.primary_route]) for alt in result.alternatives]
    assert order == sorted(order)


def test_alternatives_of_the_all_unknown_case(advisor: triage.Advisor) -> None:
    result = advisor.alternatives({})
    data = result.model_dump(mode="json", include={"primary_route", "alternatives"})
    assert data == {
        "primary_route": "child_protection_referral",
        "alternatives": [
            {
                "set": {"immediate_danger": "yes"},
                "primary_route": "emergency_response",
                "title": route_title("emergency_response"),
            },
            {
                "set": {"immediate_danger": "no", "unreported_harm_concern": "no"},
                "primary_route": "no_additional_route",
                "title": route_title("no_additional_route"),
            },
        ],
    }
    assert {given.answer for given in result.answers} == {"unknown"}


@pytest.mark.soak
def test_three_changes_are_exact_too(advisor: triage.Advisor) -> None:
    case = dict.fromkeys(YES_NO_FACTS, "no") | {"plan_status": "none", "within_one_agency": "yes"}
    result = advisor.alternatives(case, 3)
    found = {(frozenset(alt.set.items()), alt.primary_route) for alt in result.alternatives}
    assert found == brute_force(advisor, case, 3)
    rcd = {"multiagency": "yes", "complex": "yes", "reflection_sought": "yes"}
    assert (frozenset(rcd.items()), "reflective_case_discussion") in found


@pytest.mark.parametrize("max_changes", [0, 4])
def test_alternatives_bounds_the_number_of_changes(advisor: triage.Advisor, max_changes: int) -> None:
    with pytest.raises(triage.InputError, match="from 1 to 3"):
        advisor.alternatives({}, max_changes)


def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture
def rcd_file(tmp_path: Path) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(RCD))
    return str(path)


def test_cli_what_if_text_is_side_by_side(rcd_file: str) -> None:
    result = invoke("what-if", rcd_file, "--set", "reflection_sought=no")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "BEFORE" in line)
    out = " ".join(result.stdout.split())
    assert header.index("BEFORE") < header.index("AFTER")
    assert f"{question_text('reflection_sought')} yes -> no" in out
    assert "[reflection_sought]" in out
    assert f"The primary route changes from {route_title('reflective_case_discussion')}" in out
    assert f"Now rules out {route_title('reflective_case_discussion')}" in out
    assert "not a decision" in out


def test_cli_what_if_json(rcd_file: str) -> None:
    result = invoke("what-if", rcd_file, "--set", "decision_sought=yes", "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"before", "after", "changed"}
    assert data["changed"]["primary_route"] is True
    assert data["changed"]["routes_added"] == ["decision_forum"]
    assert data["after"]["primary_route"] == "decision_forum"


def test_cli_alternatives_json_is_the_library_answer(advisor: triage.Advisor) -> None:
    result = invoke("what-if", "-", "--json", stdin=json.dumps(RCD))
    assert json.loads(result.stdout) == advisor.alternatives(RCD).model_dump(mode="json")


def test_cli_alternatives_text(rcd_file: str) -> None:
    result = invoke("what-if", rcd_file, "--max-changes", "1")
    assert result.exit_code == 0
    assert f"Primary route now: {route_title('reflective_case_discussion')}" in flat(result.stdout)
    out = " ".join(result.stdout.split())
    assert f"1. {question_text('immediate_danger')} no -> yes" in out
    assert "[immediate_danger]" in out
    assert "interagency_learning" not in result.stdout  # needs two changes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "complx=yes"], "did you mean 'complex'"),
        (["--set", "complex"], "should be ID=ANSWER"),
        (["--set", "complex=no", "--max-changes", "2"], "--max-changes is for what-if without --set"),
        (["--max-changes", "4"], "use a whole number from 1 to 3"),
    ],
)
def test_cli_what_if_bad_usage_exits_2(rcd_file: str, args: list[str], message: str) -> None:
    result = invoke("what-if", rcd_file, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_console_script_what_if() -> None:
    set_result = run_cli("what-if", "-", "--set", "immediate_danger=yes", "--json", stdin=json.dumps(RCD))
    assert set_result.returncode == 0, set_result.stderr
    assert json.loads(set_result.stdout)["changed"]["routes_added"] == ["emergency_response"]
    alternatives = run_cli("what-if", "-", stdin="{}")
    assert alternatives.returncode == 0, alternatives.stderr
    assert "now? unknown -> yes [immediate_danger]" in " ".join(alternatives.stdout.split())
