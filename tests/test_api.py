"""The public face: assess, Advisor, load_pack, the answer's JSON."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, run_cli

import triage

FIELDS = {
    "primary_route",
    "first_steps",
    "routes",
    "ruled_out",
    "focus",
    "rcd",
    "provisional",
    "questions",
    "fired_rules",
    "advice",
    "answers",
    "notice",
    "audit",
}


def test_answer_json_has_exactly_the_documented_fields(advisor: triage.Advisor) -> None:
    data = advisor.assess({"complex": "yes"}).model_dump(mode="json")
    assert set(data) == FIELDS
    assert set(data["routes"][0]) == {"id", "title", "safety", "guidance", "next_steps", "contacts", "rules"}
    assert set(data["routes"][0]["contacts"][0]) == {"name", "role", "email", "phone", "url", "as_of"}
    assert set(data["fired_rules"][0]) == {"id", "effect", "route", "facts", "source", "reason"}
    assert set(data["focus"]) == {"route", "title", "status", "reasons"}
    assert set(data["rcd"]) == {"status", "reasons"}
    assert set(data["answers"][0]) == {"fact", "question", "answer"}
    assert set(data["audit"]) == {
        "decision_id",
        "pack",
        "pack_title",
        "pack_version",
        "pack_sha256",
        "engine",
        "library_version",
        "facts",
        "timestamp",
    }
    json.dumps(data)


def test_audit_names_pack_engine_and_full_facts(advisor: triage.Advisor) -> None:
    audit = advisor.assess({"complex": "yes"}).audit
    assert audit.pack == "moray-rcd" and audit.pack_version == advisor.pack.version
    assert len(audit.pack_sha256) == 64
    assert audit.engine.startswith("durable_rules")
    assert audit.facts["complex"] == "yes" and audit.facts["multiagency"] == "unknown"
    assert len(audit.facts) == len(advisor.pack.facts)


def test_fired_rules_show_the_answers_they_read(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"multiagency": "yes", "complex": "yes", "reflection_sought": "yes"})
    fired = {rule.id: rule for rule in rec.fired_rules}
    assert fired["rcd_complex"].facts == {"multiagency": "yes", "complex": "yes"}
    assert fired["rcd_complex"].effect == "recommend"
    assert "One Page Brief" in fired["rcd_complex"].source


def test_contacts_are_dated_data_from_the_brief(advisor: triage.Advisor) -> None:
    rec = advisor.assess(
        {
            "multiagency": "yes",
            "complex": "yes",
            "reflection_sought": "yes",
            "immediate_danger": "no",
            "unreported_harm_concern": "no",
        }
    )
    rcd = rec.routes[0]
    assert rcd.id == "reflective_case_discussion"
    mailbox = next(contact for contact in rcd.contacts if contact.email == "mcpc@moray.gov.uk")
    assert (mailbox.as_of, mailbox.role) == ("2023-07", "General questions and feedback")
    assert (mailbox.phone, mailbox.url) == ("", "")  # empty where the pack has none
    assert any("Social Work Reviewing Team" in step for step in rcd.next_steps)
    assert any("Request for Multiagency Reflective Case Discussion" in step for step in rcd.next_steps)


def test_quiet_case_says_why_there_is_nothing_to_do(advisor: triage.Advisor) -> None:
    rec = advisor.assess({fact: "no" for fact in advisor.pack.fact if fact != "plan_status"})
    assert rec.primary_route == "no_additional_route"
    assert rec.routes[0].next_steps and rec.rcd.reasons


def test_assess_with_a_pack_path(tmp_path: object) -> None:
    rec = triage.assess({"immediate_danger": "yes"}, pack=triage.default_pack_path())
    assert rec.primary_route == "emergency_response"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"complx": "yes"}, "unknown fact 'complx' (did you mean 'complex'?)"),
        ({"complex": "maybe"}, "fact 'complex': 'maybe' is not an answer"),
        ({"plan_status": True}, "fact 'plan_status'"),
        ({"complex": 1}, "fact 'complex': a number is not an answer"),
        ({"complex": "yse"}, "fact 'complex': 'yse' is not an answer"),
        ({"complex": [1]}, "fact 'complex': a list is not an answer"),
        ({"plan_status": True}, "fact 'plan_status': true is not an answer"),
        ([], "must be a JSON object"),
        ("complex", "must be a JSON object"),
    ],
)
def test_bad_answers_name_the_field(advisor: triage.Advisor, answers: object, message: str) -> None:
    with pytest.raises(triage.InputError, match=None) as caught:
        advisor.assess(answers)
    assert message in str(caught.value)


def test_answers_accept_json_booleans_and_null(advisor: triage.Advisor) -> None:
    rec = advisor.assess({"complex": True, "multiagency": False, "decision_sought": None})
    assert rec.audit.facts["complex"] == "yes"
    assert rec.audit.facts["multiagency"] == "no"
    assert rec.audit.facts["decision_sought"] == "unknown"


NAME_AND_ADDRESS = "Jane Doe, 12 High St"  # made up: the kind of text that must never be repeated


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"complex": NAME_AND_ADDRESS}, "fact 'complex': a text of 20 characters is not an answer"),
        ({"complex": "Doe-Smith"}, "fact 'complex': a text of 9 characters is not an answer"),
        ({"complex": 20120314}, "fact 'complex': a number is not an answer"),
        ({NAME_AND_ADDRESS: "yes"}, "unknown fact (a key of 20 characters)"),
        ({"Jane": "yes"}, "unknown fact (a key of 4 characters)"),
    ],
)
def test_errors_never_repeat_free_text(advisor: triage.Advisor, answers: object, message: str) -> None:
    with pytest.raises(triage.InputError) as caught:
        advisor.assess(answers)
    assert str(caught.value).startswith(message)
    for part in ("Jane", "Doe", "High", "12", "2012"):
        assert part not in str(caught.value)
    assert caught.value.field in (None, "complex")


def test_an_unknown_id_like_key_is_named_with_a_suggestion(advisor: triage.Advisor) -> None:
    with pytest.raises(triage.InputError) as caught:
        advisor.assess({"complex_case": "yes"})
    assert str(caught.value) == "unknown fact 'complex_case' (did you mean 'complex'?)"
    assert caught.value.field == "complex_case"


def test_huge_values_are_shortened_in_errors(advisor: triage.Advisor) -> None:
    with pytest.raises(triage.InputError) as caught:
        advisor.assess({"complex": "x" * 100_000})
    assert len(str(caught.value)) < 200


def test_advisor_answers_do_not_change_when_pack_files_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "pack"
    shutil.copytree(triage.default_pack_path(), folder)
    advisor = triage.Advisor(folder)
    before = advisor.assess({"complex": "yes", "multiagency": "yes", "reflection_sought": "yes"})
    rules = folder / "rules.yaml"
    text = rules.read_text()
    old = '- {fact: complex, is: "yes"}'
    assert old in text
    rules.write_text(text.replace(old, '- {fact: complex, is: "no"}'))
    after = advisor.assess({"complex": "yes", "multiagency": "yes", "reflection_sought": "yes"})
    assert before.routes == after.routes
    assert triage.load_pack(folder).sha256 != advisor.pack.sha256


def test_results_stand_alone(advisor: triage.Advisor) -> None:
    # Everything a consumer needs to show the advice is in the answer, without the pack.
    pack = advisor.pack
    rec = advisor.assess({"multiagency": "no", "immediate_danger": "yes", "child_died": "yes"})
    for route in rec.routes:
        assert route.guidance == pack.route[route.id].guidance
    for rule in rec.fired_rules:
        assert rule.reason == pack.rule[rule.id].reason
    for out in rec.ruled_out:
        assert out.title == pack.route[out.route].title
    assert rec.focus.route == pack.focus_route == "reflective_case_discussion"
    assert (rec.rcd.status, rec.rcd.reasons) == (rec.focus.status, rec.focus.reasons)  # the alias
    assert [(given.fact, given.answer) for given in rec.answers] == list(rec.audit.facts.items())
    assert rec.answers[0].question == pack.facts[0].question
    assert rec.audit.pack_title == pack.title
    found = advisor.alternatives({"complex": "yes"}, 1)
    assert [(given.fact, given.answer) for given in found.answers] == list(
        advisor.case({"complex": "yes"}).items()
    )
    assert found.max_changes == 1 and found.notice == pack.notice


def test_the_decision_id_names_the_answers_to_the_pack_not_the_moment(advisor: triage.Advisor) -> None:
    given = {"complex": "yes", "multiagency": "yes", "immediate_danger": "no"}
    same = {"immediate_danger": "no", "multiagency": "yes", "complex": "yes", "child_died": "unknown"}
    first = advisor.assess(given).audit.decision_id
    assert advisor.assess(same).audit.decision_id == first  # order and explicit unknowns aside
    assert triage.Advisor().assess(given).audit.decision_id == first  # another Advisor, same pack
    assert advisor.assess({**given, "complex": "no"}).audit.decision_id != first
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    installed = run_cli("assess", *(f"--fact={fact}={answer}" for fact, answer in given.items()), "--json")
    assert json.loads(installed.stdout)["audit"]["decision_id"] == first
    other_pack = triage.Advisor(ROOT / "tests" / "packs" / "toy")
    assert other_pack.assess({}).audit.decision_id != advisor.assess({}).audit.decision_id
