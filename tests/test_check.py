"""Pack checking: every kind of finding on a small broken pack (the toy pack, edited), the default
pack checks clean, and the symbolic check agrees with brute force on small random packs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TOY, edit, run_cli
from hypothesis import given, settings
from small_packs import ANSWERS, FACTS, ROUTES, random_packs

import triage
from cli import main
from triage._conditions import holds
from triage._pack import Pack
from triage._routes import Resolution


def add_rules(folder: Path, text: str) -> None:
    with (folder / "rules.yaml").open("a") as handle:
        handle.write(text)


def only(report: triage.CheckReport, kind: str) -> triage.Finding:
    found = [finding for finding in report.findings if finding.kind == kind]
    assert len(found) == 1, report.findings
    return found[0]


def cli_check(folder: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["rules", "check", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.splitlines()


def test_the_default_pack_checks_clean() -> None:
    report = triage.check_pack(triage.default_pack_path())
    assert report.ok
    assert report.findings == ()
    pack = triage.load_pack(triage.default_pack_path())
    assert report.pack == f"{pack.id} {pack.version}"


def test_the_toy_pack_checks_clean_and_its_default_route_needs_no_rule() -> None:
    report = triage.check_pack(TOY)
    assert report.findings == ()


def test_check_accepts_a_loaded_pack() -> None:
    pack = triage.load_pack(TOY)
    assert triage.check_pack(pack).model_dump() == triage.check_pack(TOY).model_dump()


# --- a pack that does not load is one error finding, not a crash -------------------------------

LOAD_ERRORS = {
    "unknown fact": (
        "rules.yaml",
        '{fact: service_down, is: "yes"}',
        '{fact: service_dwn, is: "yes"}',
        ["major_outage", "unknown fact 'service_dwn'", "did you mean 'service_down'"],
    ),
    "unknown route": (
        "rules.yaml",
        "route: self_help\n",
        "route: self_hlp\n",
        ["self_help_workaround", "unknown route 'self_hlp'"],
    ),
    "unknown answer": (
        "rules.yaml",
        "is: many}",
        "is: lots}",
        ["major_outage", "'lots' is not an answer of 'users_affected'"],
    ),
    "unknown source": (
        "rules.yaml",
        'source: {document: handbook, section: "2.2"}',
        'source: {document: handbok, section: "2.2"}',
        ["major_not_for_one", "unknown source 'handbok'"],
    ),
    "rule without a reason": (
        "rules.yaml",
        "    reason: One user is not a major incident.\n",
        "",
        ["major_not_for_one", "reason"],
    ),
    "duplicate rule id": (
        "rules.yaml",
        "id: major_not_for_one",
        "id: major_outage",
        ["duplicate id 'major_outage'"],
    ),
    "malformed YAML": ("rules.yaml", "rules:\n", "rules:\n  - [\n", ["rules.yaml", "malformed YAML"]),
}


@pytest.mark.parametrize("name", LOAD_ERRORS)
def test_a_pack_that_does_not_load_is_one_error_finding(toy: Path, name: str) -> None:
    file, old, new, words = LOAD_ERRORS[name]
    edit(toy, file, old, new)
    report = triage.check_pack(toy)
    assert not report.ok and report.pack is None
    finding = only(report, "load")
    assert finding.severity == "error"
    for word in words:
        assert word in finding.message
    code, lines = cli_check(toy)
    assert code == 1
    assert lines[0].startswith("error: the pack does not load: ")
    assert lines[-1] == f"{toy}: the pack does not load, 1 error, 0 warnings"
    assert len(lines) == 2


def test_removing_a_fact_names_every_rule_that_used_it_in_one_run(toy: Path) -> None:
    edit(
        toy,
        "facts.yaml",
        "  - id: users_affected\n    question: How many users are affected?\n"
        "    answers: [one, some, many, unknown]\n",
        "",
    )
    report = triage.check_pack(toy)
    rules = {"major_outage", "major_not_for_one", "self_help_workaround"}
    named = {rule for rule in rules for f in report.findings if f"rule '{rule}'" in f.message}
    assert named == rules
    assert all("unknown fact 'users_affected'" in f.message for f in report.findings)
    code, lines = cli_check(toy)
    assert code == 1 and len(lines) == 4
    assert lines[-1] == f"{toy}: the pack does not load, 3 errors, 0 warnings"


def test_problems_in_several_files_are_all_listed(toy: Path) -> None:
    edit(toy, "routes.yaml", "next_steps: [Open a major incident.]", "next_steps: []")
    edit(toy, "facts.yaml", "question: Is a service unavailable?", 'question: ""')
    edit(toy, "pack.yaml", "version: 0.1.0", "version: first")
    messages = [finding.message for finding in triage.check_pack(toy).findings]
    assert len(messages) == 3, messages
    joined = "\n".join(messages)
    assert "routes[major_incident].next_steps: must list at least 1 item, not 0" in joined
    assert "facts[service_down].question: must not be empty" in joined
    assert "version: must be a version such as 1.0.0" in joined


MISSPELT_KEYS = {
    "a route's key": (
        "routes.yaml",
        "next_steps: [Call",
        "nxt_steps: [Call",
        "nxt_steps: unknown key",
        "next_steps",
    ),
    "a rule's key": (
        "rules.yaml",
        "    reason: A service",
        "    reasn: A service",
        "reasn: unknown key",
        "reason",
    ),
    "a condition's key": (
        "rules.yaml",
        '{fact: workaround, is: "yes"}',
        '{fact: workaround, iss: "yes"}',
        "iss: unknown key",
        "is",
    ),
    "a citation's key": (
        "rules.yaml",
        'section: "2.1"}',
        'sectoin: "2.1"}',
        "sectoin: unknown key",
        "section",
    ),
    "a source's key": (
        "pack.yaml",
        'date: "2024-01"\ncontacts',
        'dated: "2024-01"\ncontacts',
        "dated: unknown key",
        "date",
    ),
    "a top-level key": ("facts.yaml", "facts:", "fcts:", "the pack has no 'facts' ('fcts' in", "facts"),
}


@pytest.mark.parametrize("name", MISSPELT_KEYS)
def test_a_misspelt_key_is_named_with_the_key_it_may_be(toy: Path, name: str) -> None:
    file, old, new, words, meant = MISSPELT_KEYS[name]
    edit(toy, file, old, new)
    messages = [finding.message for finding in triage.check_pack(toy).findings]
    assert any(words in message and f"'{meant}'" in message for message in messages), messages


def test_load_messages_speak_of_the_pack_not_of_the_validator(toy: Path) -> None:
    edit(toy, "routes.yaml", "next_steps: [Call the security desk.]", "next_steps: Call the desk")
    edit(toy, "routes.yaml", "title: Self help", 'title: ""')
    edit(toy, "rules.yaml", "effect: rule_out", "effect: rule_ot")
    edit(toy, "rules.yaml", "id: major_outage", "id: Major-Outage")
    edit(toy, "routes.yaml", "    title: No action\n", "    title: No action\n    contact: [security_desk]\n")
    text = "\n".join(finding.message for finding in triage.check_pack(toy).findings)
    for word in ("Tuple", "String should", "Extra inputs", "Input should", "pattern", "dictionary", "^"):
        assert word not in text
    assert "next_steps: must be a list" in text
    assert "title: must not be empty" in text
    assert "effect: must be 'recommend', 'rule_out' or 'advice' (did you mean 'rule_out'?)" in text
    assert "id: must be a lower-case word" in text
    assert "contact: unknown key (did you mean 'contacts'?)" in text


def test_a_shared_priority_names_both_routes(toy: Path) -> None:
    edit(toy, "routes.yaml", "priority: 3\n", "priority: 2\n")
    finding = only(triage.check_pack(toy), "load")
    assert "routes 'major_incident' and 'self_help' share priority 2" in finding.message


# --- findings of the analysis -----------------------------------------------------------------

NEVER_HOLDS = """
  - id: contradiction
    effect: recommend
    route: self_help
    when:
      all:
        - {fact: workaround, is: "yes"}
        - {any: [{fact: service_down, is: "yes"}, {fact: data_exposed, is: "no"}]}
        - {fact: workaround, is: "no"}
    reason: Test.
    source: {document: handbook, section: "9"}
  - id: not_every_answer
    effect: advice
    when: {not: {fact: workaround, is: ["yes", "no", "unknown"]}}
    text: Never.
    reason: Test.
    source: {document: handbook, section: "9"}
"""


def test_a_rule_that_can_never_hold_is_an_error_that_says_why(toy: Path) -> None:
    add_rules(toy, NEVER_HOLDS)
    report = triage.check_pack(toy)
    by_rule = {finding.rule: finding for finding in report.findings}
    assert by_rule["contradiction"].kind == "never_holds"
    assert "needs 'workaround' to be yes and also no" in by_rule["contradiction"].message
    assert by_rule["not_every_answer"].kind == "never_holds"
    assert "no answer of 'workaround'" in by_rule["not_every_answer"].message
    assert not report.ok
    code, lines = cli_check(toy)
    assert code == 1
    assert "error: rule 'contradiction': its condition can never hold" in lines[0]


RULED_OUT_WHENEVER_IT_HOLDS = """
  - id: self_help_single_user
    effect: recommend
    route: self_help
    when: {fact: users_affected, is: one}
    reason: Test.
    source: {document: handbook, section: "9"}
  - id: self_help_not_for_one
    effect: rule_out
    route: self_help
    when: {fact: users_affected, is: [one, many]}
    reason: Test.
    source: {document: handbook, section: "9"}
"""


def test_a_recommend_rule_always_ruled_out_is_an_error_with_an_example(toy: Path) -> None:
    add_rules(toy, RULED_OUT_WHENEVER_IT_HOLDS)
    report = triage.check_pack(toy)
    finding = only(report, "never_takes_effect")
    assert finding.rule == "self_help_single_user" and finding.route == "self_help"
    assert "self_help_not_for_one" in finding.message
    assert finding.example == {"users_affected": "one"}
    # The example is real: the rule fires there and its route is ruled out.
    rec = triage.Advisor(toy).assess(finding.example)
    assert "self_help_single_user" in [rule.id for rule in rec.fired_rules]
    assert "self_help" in [out.route for out in rec.ruled_out]
    assert "self_help" not in [route.id for route in rec.routes]
    # The route stays reachable through its other rule: no route finding.
    assert not [f for f in report.findings if f.kind == "route_unreachable"]
    code, lines = cli_check(toy)
    assert code == 1 and "(e.g. users_affected=one)" in lines[0]


def test_an_advice_rule_whose_route_is_never_recommended_when_it_holds_is_an_error(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: advice_major_for_one
    effect: advice
    requires_route: major_incident
    when: {fact: users_affected, is: one}
    text: Never shown.
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    finding = only(triage.check_pack(toy), "never_takes_effect")
    assert finding.rule == "advice_major_for_one" and "never shown" in finding.message


def test_an_advice_rule_on_the_default_route_is_checked_against_every_other_route(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: advice_nothing_to_do_when_exposed
    effect: advice
    requires_route: no_action
    when: {fact: data_exposed, is: "yes"}
    text: Never shown, as exposure always recommends the security route.
    reason: Test.
    source: {document: handbook, section: "9"}
  - id: advice_nothing_to_do
    effect: advice
    requires_route: no_action
    when: {fact: data_exposed, is: "no"}
    text: Shown.
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    finding = only(triage.check_pack(toy), "never_takes_effect")
    assert finding.rule == "advice_nothing_to_do_when_exposed"


def test_a_route_no_rule_recommends_is_an_error(toy: Path) -> None:
    edit(
        toy,
        "routes.yaml",
        "  - id: no_action\n",
        """  - id: escalate
    priority: 5
    title: Escalate
    guidance: Nobody sends anything here.
    next_steps: [Escalate.]
    sources: [{document: handbook, section: "5"}]
  - id: no_action
""",
    )
    report = triage.check_pack(toy)
    finding = only(report, "route_unreachable")
    assert finding.route == "escalate" and "no rule can ever recommend it" in finding.message
    assert cli_check(toy)[0] == 1


def test_a_route_whose_every_recommendation_is_ruled_out_is_an_error(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: self_help_never
    effect: rule_out
    route: self_help
    when: {fact: workaround, is: "yes"}
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    report = triage.check_pack(toy)
    route = only(report, "route_unreachable")
    assert route.route == "self_help" and "self_help_never" in route.message
    assert route.example is not None and route.example["workaround"] == "yes"
    assert only(report, "never_takes_effect").rule == "self_help_workaround"


def test_a_blank_reason_is_an_error(toy: Path) -> None:
    edit(toy, "rules.yaml", "reason: One user is not a major incident.", 'reason: "   "')
    finding = only(triage.check_pack(toy), "no_reason")
    assert finding.rule == "major_not_for_one" and "blank reason" in finding.message
    assert cli_check(toy)[0] == 1


def test_a_rule_with_no_source_is_an_error_naming_the_rule(toy: Path) -> None:
    edit(
        toy,
        "rules.yaml",
        '    reason: One user is not a major incident.\n    source: {document: handbook, section: "2.2"}\n',
        "    reason: One user is not a major incident.\n",
    )
    finding = only(triage.check_pack(toy), "no_source")
    assert finding.severity == "error" and finding.rule == "major_not_for_one"
    code, lines = cli_check(toy)
    assert code == 1 and any("no source" in line for line in lines)


def test_a_blank_source_section_is_an_error(toy: Path) -> None:
    edit(
        toy,
        "rules.yaml",
        'source: {document: handbook, section: "2.2"}',
        'source: {document: handbook, section: " "}',
    )
    finding = only(triage.check_pack(toy), "no_source")
    assert finding.rule == "major_not_for_one" and "blank source section" in finding.message


def test_the_same_rule_twice_under_another_id_is_an_error(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: major_outage_again
    effect: recommend
    route: major_incident
    when:
      all:
        - {fact: users_affected, is: many}
        - {not: {fact: service_down, is: ["no", "unknown"]}}
    reason: Written differently, the same condition.
    source: {document: handbook, section: "9"}
""",
    )
    finding = only(triage.check_pack(toy), "duplicate_rule")
    assert finding.rule == "major_outage_again" and "'major_outage'" in finding.message
    assert cli_check(toy)[0] == 1


def test_advice_rules_with_different_notes_on_one_condition_are_not_duplicates(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: advice_workaround_article
    effect: advice
    requires_route: major_incident
    when: {fact: workaround, is: "yes"}
    text: Link the workaround article in the incident.
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    assert triage.check_pack(toy).findings == ()


def test_a_route_that_can_never_be_primary_is_an_error(toy: Path) -> None:
    edit(
        toy,
        "rules.yaml",
        '        - {fact: workaround, is: "yes"}\n',
        '        - {fact: workaround, is: "yes"}\n        - {fact: data_exposed, is: "yes"}\n',
    )
    report = triage.check_pack(toy)
    finding = only(report, "never_primary")
    assert finding.route == "self_help" and "(security_incident)" in finding.message
    assert finding.example is not None
    rec = triage.Advisor(toy).assess(finding.example)
    assert [route.id for route in rec.routes][:1] == ["security_incident"]
    assert "self_help" in [route.id for route in rec.routes]
    assert cli_check(toy)[0] == 1


def test_a_default_route_that_never_applies_is_an_error(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: always_self_help
    effect: recommend
    route: self_help
    when: {fact: workaround, is: ["yes", "no", "unknown"]}
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    finding = only(triage.check_pack(toy), "never_primary")
    assert finding.route == "no_action" and "never applies" in finding.message


def test_a_safety_question_whose_unknown_leads_to_no_safety_route_is_an_error(toy: Path) -> None:
    edit(
        toy,
        "rules.yaml",
        'when: {fact: data_exposed, is: ["yes", "unknown"]}',
        'when: {fact: data_exposed, is: "yes"}',
    )
    finding = only(triage.check_pack(toy), "unsafe_unknown")
    assert finding.fact == "data_exposed" and finding.example is not None
    assert finding.example["data_exposed"] == "unknown"
    rec = triage.Advisor(toy).assess(finding.example)
    assert not [route for route in rec.routes if route.id == "security_incident"]
    code, lines = cli_check(toy)
    assert code == 1 and lines[0].startswith(
        "error: fact 'data_exposed': a safety question answered 'unknown'"
    )


def test_routes_declared_alternatives_that_can_apply_together_are_an_error(toy: Path) -> None:
    # Major incident (many users) and self help (not many) never come together: clean.
    edit(
        toy,
        "routes.yaml",
        "    title: Self help\n",
        "    title: Self help\n    alternative_to: [major_incident]\n",
    )
    assert triage.check_pack(toy).findings == ()
    edit(
        toy,
        "routes.yaml",
        "    title: Security incident\n",
        "    title: Security incident\n    alternative_to: [self_help]\n",
    )
    finding = only(triage.check_pack(toy), "alternatives_together")
    assert {finding.route, "self_help"} == {"security_incident", "self_help"}
    assert finding.example is not None
    routes = [route.id for route in triage.Advisor(toy).assess(finding.example).routes]
    assert {"security_incident", "self_help"} <= set(routes)


def test_notes_declared_alternatives_that_can_be_shown_together_are_an_error(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: advice_call_the_user
    effect: advice
    when: {fact: workaround, is: "no"}
    text: Call the user.
    reason: Test.
    source: {document: handbook, section: "9"}
    alternative_to: [advice_email_the_user]
  - id: advice_email_the_user
    effect: advice
    when: {fact: service_down, is: "yes"}
    text: Email the user.
    reason: Test.
    source: {document: handbook, section: "9"}
""",
    )
    finding = only(triage.check_pack(toy), "alternatives_together")
    assert finding.rule == "advice_call_the_user" and "note 'advice_email_the_user'" in finding.message
    assert finding.example is not None
    notes = {note.rule for note in triage.Advisor(toy).assess(finding.example).advice}
    assert notes == {"advice_call_the_user", "advice_email_the_user"}


def test_an_alternative_that_is_not_in_the_pack_is_named_with_did_you_mean(toy: Path) -> None:
    edit(
        toy,
        "routes.yaml",
        "    title: Self help\n",
        "    title: Self help\n    alternative_to: [major_incidnt]\n",
    )
    finding = only(triage.check_pack(toy), "load")
    assert "unknown route 'major_incidnt' (did you mean 'major_incident'?)" in finding.message


# --- warnings: listed, exit 0 -------------------------------------------------------------------


def test_a_subsumed_rule_and_an_unread_fact_are_warnings(toy: Path) -> None:
    add_rules(
        toy,
        """
  - id: major_outage_no_workaround
    effect: recommend
    route: major_incident
    when:
      all:
        - {fact: service_down, is: "yes"}
        - {fact: users_affected, is: many}
        - {fact: workaround, is: "no"}
    reason: Narrower than major_outage.
    source: {document: handbook, section: "9"}
""",
    )
    edit(
        toy,
        "facts.yaml",
        "facts:\n",
        "facts:\n  - id: printer_jammed\n    question: Is the printer jammed?\n",
    )
    report = triage.check_pack(toy)
    assert report.ok
    subsumed = only(report, "subsumed")
    assert subsumed.severity == "warning"
    assert subsumed.rule == "major_outage_no_workaround" and "'major_outage'" in subsumed.message
    unread = only(report, "unread_fact")
    assert unread.fact == "printer_jammed" and unread.severity == "warning"
    code, lines = cli_check(toy)
    assert code == 0
    assert lines[0].startswith("warning: rule 'major_outage_no_workaround': ")
    assert lines[1].startswith("warning: fact 'printer_jammed': no rule reads it")
    assert lines[-1].endswith("6 rules, 0 errors, 2 warnings")


def test_a_source_never_cited_is_a_warning(toy: Path) -> None:
    edit(
        toy, "pack.yaml", "contacts:\n", "  runbook:\n    title: Toy runbook\n    date: unknown\ncontacts:\n"
    )
    report = triage.check_pack(toy)
    finding = only(report, "uncited_source")
    assert (
        report.ok and finding.severity == "warning" and "source 'runbook' is never cited" in finding.message
    )


def test_errors_come_before_warnings(toy: Path) -> None:
    edit(toy, "facts.yaml", "facts:\n", "facts:\n  - id: printer_jammed\n    question: Jammed?\n")
    add_rules(toy, NEVER_HOLDS)
    severities = [finding.severity for finding in triage.check_pack(toy).findings]
    assert severities == sorted(severities, key=lambda s: s != "error") and "warning" in severities


# --- the command line -----------------------------------------------------------------------


def test_check_json_lists_the_findings(toy: Path) -> None:
    add_rules(toy, RULED_OUT_WHENEVER_IT_HOLDS)
    result = CliRunner().invoke(main, ["rules", "check", "--json", "--rules", str(toy)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and data["pack"] == "toy-service-desk 0.1.0"
    assert data["findings"][0] == {
        "severity": "error",
        "kind": "never_takes_effect",
        "rule": "self_help_single_user",
        "route": "self_help",
        "fact": None,
        "message": data["findings"][0]["message"],
        "example": {"users_affected": "one"},
    }


def test_check_refuses_two_different_pack_folders(toy: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(toy), "--rules", str(TOY)])
    assert result.exit_code == 2 and "DIR or --rules" in result.output


def test_check_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_check_through_the_console_script() -> None:
    result = run_cli("rules", "check")
    assert result.returncode == 0, result.stderr
    pack = triage.Advisor().pack
    assert result.stdout.strip().endswith(f"{len(pack.rules)} rules, 0 errors, 0 warnings")
    assert result.stdout.startswith(f"{pack.id} {pack.version} (")


def test_check_json_through_the_console_script_on_a_broken_pack(toy: Path) -> None:
    add_rules(toy, NEVER_HOLDS)
    result = run_cli("rules", "check", str(toy), "--json")
    assert result.returncode == 1 and result.stderr == ""
    kinds = {finding["kind"] for finding in json.loads(result.stdout)["findings"]}
    assert kinds == {"never_holds"}


# --- the symbolic check agrees with brute force ---------------------------------------------


def brute_force(pack: Pack) -> set[tuple[str, str]]:
    """The findings check_pack must give, found by trying all 27 cases."""
    cases = [dict(zip(FACTS, answers, strict=True)) for answers in itertools.product(ANSWERS, repeat=3)]
    holds_in = {
        rule.id: frozenset(i for i, case in enumerate(cases) if holds(pack.normal[rule.id], case))
        for rule in pack.rules
    }
    effects = [
        Resolution(pack, frozenset(r for r, where in holds_in.items() if i in where)) for i in range(27)
    ]
    found: set[tuple[str, str]] = set()
    for rule in pack.rules:
        where = holds_in[rule.id]
        if not where:
            found.add(("never_holds", rule.id))
        elif rule.effect != "rule_out":
            target = rule.route if rule.effect == "recommend" else rule.requires_route
            if all(target not in effects[i].routes for i in where):
                found.add(("never_takes_effect", rule.id))
    for route in ROUTES:
        if all(route not in effect.routes for effect in effects):
            found.add(("route_unreachable", route))
    for route in (*ROUTES, "rest"):
        # A route never recommended is reported as unreachable; the default route, never applying.
        seen = route == "rest" or any(route in effect.routes for effect in effects)
        if seen and all(effect.primary != route for effect in effects):
            found.add(("never_primary", route))
    live = [rule for rule in pack.rules if holds_in[rule.id]]
    for index, rule in enumerate(live):
        key = (rule.effect, rule.route, rule.requires_route, rule.text)
        same = [
            other for other in live if (other.effect, other.route, other.requires_route, other.text) == key
        ]
        if any(holds_in[other.id] == holds_in[rule.id] for other in same if live.index(other) < index):
            found.add(("duplicate_rule", rule.id))
        elif any(holds_in[rule.id] < holds_in[other.id] for other in same):
            found.add(("subsumed", rule.id))
    return found


@pytest.mark.soak
@settings(max_examples=150, deadline=None)
@given(random_packs())
def test_the_symbolic_check_agrees_with_brute_force(pack: Pack) -> None:
    report = triage.check_pack(pack)
    found = {
        (finding.kind, finding.rule or finding.route or "")
        for finding in report.findings
        if finding.kind != "unread_fact"
    }
    assert found == brute_force(pack)
    for finding in report.findings:
        # An example shows the rule (or some recommend rule of the route) holding.
        if finding.kind == "never_takes_effect" or (finding.kind == "route_unreachable" and finding.example):
            assert finding.example is not None
            case = {**dict.fromkeys(FACTS, "unknown"), **finding.example}
            candidates = (
                [finding.rule]
                if finding.rule
                else [
                    rule.id
                    for rule in pack.rules
                    if rule.effect == "recommend" and rule.route == finding.route
                ]
            )
            assert any(holds(pack.normal[rule_id], case) for rule_id in candidates)
