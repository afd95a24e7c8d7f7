"""What a social worker reads: each thing said once, in plain words, with the pack's questions
rather than its ids, and sources cited in the brief's own words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from strategies import cases

import triage
from triage._recommendation_text import render_text

SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}
RCD = {**SAFE, "multiagency": "yes", "complex": "yes", "reflection_sought": "yes"}


def text(advisor: triage.Advisor, answers: dict[str, str]) -> str:
    """The text advice, its lines joined (wrapping is not the point here)."""
    return " ".join(render_text(advisor.assess(answers)).split())


def test_the_reporter_is_named_once(advisor: triage.Advisor) -> None:
    out = text(advisor, {**RCD, "decision_sought": "yes"})
    assert out.count("Children's Reporter") == 1


def test_consulting_the_manager_is_said_only_when_not_done(advisor: triage.Advisor) -> None:
    assert "line manager or child protection lead." not in text(advisor, {**RCD, "manager_consulted": "yes"})
    for answer in ("no", "unknown"):
        out = text(advisor, {**RCD, "manager_consulted": answer})
        assert out.count("Before requesting an RCD, consult your line manager or child protection lead.") == 1


@pytest.mark.parametrize("concern", ["yes", "no", "unknown"])
def test_call_999_is_said_once_when_danger_is_unknown(advisor: triage.Advisor, concern: str) -> None:
    out = text(advisor, {"immediate_danger": "unknown", "unreported_harm_concern": concern})
    assert out.count("call 999") == 1
    assert ("precautionary" in out) == (concern != "yes")


@settings(max_examples=200, deadline=None)
@given(cases())
def test_no_reason_is_printed_twice(advisor: triage.Advisor, case: dict[str, str]) -> None:
    rec = advisor.assess(case)
    out = render_text(rec)
    safety = advisor.pack.route[rec.primary_route].safety  # a safety answer leaves these out
    for reason in {out.reason for out in rec.ruled_out} | set(rec.rcd.reasons):
        assert " ".join(out.split()).count(" ".join(reason.split())) == (0 if safety else 1), reason


def test_rcd_status_reasons_use_questions_not_ids(advisor: triage.Advisor) -> None:
    rec = advisor.assess({**SAFE, "multiagency": "yes", "complex": "no", "not_progressing": "no"})
    assert rec.rcd.status == "not_recommended"
    assert rec.rcd.reasons[0].startswith("It fits when the case is complex and two or more agencies")
    assert "'Is the case complex?' is answered no, not yes" in rec.rcd.reasons[0]
    for reason in rec.rcd.reasons:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", reason), reason  # no rule or fact ids


def test_rcd_status_points_to_the_reasons_above(advisor: triage.Advisor) -> None:
    out = text(advisor, {**SAFE, "multiagency": "no"})
    assert "Multiagency Reflective Case Discussion (RCD): not recommended (see the reasons above)" in out


def test_no_source_repeats_its_date(advisor: triage.Advisor) -> None:
    for source in advisor.pack.sources.values():
        years = re.findall(r"\d{4}", f"{source.title} ({source.date})")
        assert len(years) == len(set(years)), source.title


def test_brief_citations_quote_the_brief(advisor: triage.Advisor) -> None:
    """Every citation of the brief names its points (B1-B11) and quotes the brief's own words."""
    pack = advisor.pack
    refs = [rule.source for rule in pack.rules] + [ref for route in pack.routes for ref in route.sources]
    for ref in (ref for ref in refs if ref.document == "brief"):
        assert re.match(r"B\d+(, B\d+)*: '", ref.section), ref.section
        for quote in re.findall(r"'([^']+)'", ref.section):
            for part in quote.split("..."):
                assert " ".join(part.strip(" ;").split()) in BRIEF_WORDS, part


BRIEF_WORDS = (
    "Multiple learning reviews indicated the need for professionals across the partner agencies to "
    "be able to communicate with and challenge each other to ensure they reach a collective "
    "understanding about the needs and risks for children and young people. The Multiagency "
    "Reflective Case Discussion procedure is implemented in Moray to support practitioners to explore "
    "and reflect on complex cases within a multiagency context and to build confidence and knowledge "
    "through improved multiagency working. A Reflective Case Discussion, can facilitate the: "
    "Exploration of the complexities of a case; Sharing of personal and agency knowledge and "
    "understanding of the practice issues that the case has posed; Challenging of facts and "
    "assumptions. It may be appropriate when a case is: complex; for unknown reasons, it does not seem "
    "to progress. A Reflective Case Discussion meeting is not a decision-making forum. It is distinct "
    "from Learning Reviews as well as Multiagency Case Escalation. All Practitioners can request a "
    "multiagency reflective case discussion (following consultation with their line manager/child "
    "protection lead) by contacting the Social Work Reviewing Team with a completed Request for "
    "Multiagency Reflective Case Discussion. Senior Social Workers/Management/Child Protection Leads "
    "are asked to provide guidance to staff requesting Reflective Case Discussion, particularly in "
    "relation to its applicability as opposed to learning reviews and escalation. Agency specific "
    "queries can be directed to your child protection representative. Or email mcpc@moray.gov.uk with "
    "your questions and feedback."
)
"""The brief's text (docs/moray-rcd-one-page-brief-2023-07.txt), its bullets joined by '; '."""
