"""The page, driven by plain HTTP (FastAPI's TestClient): the interview is the library's, its
progress bound holds, answers stay out of URLs, and bad forms get one clear error page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

import triage
from tests.conftest import load_scenarios
from triage.web import create_app

SCENARIOS = load_scenarios()


@pytest.fixture(scope="module")
def client(advisor: triage.Advisor) -> TestClient:
    return TestClient(create_app(advisor))


def post_form(client: TestClient, path: str, fields: list[tuple[str, str]], **options: Any) -> Any:
    """POST fields as a browser does (urlencoded, in order, a name may repeat)."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    return client.post(path, content=urlencode(fields), headers=form, **options)


def hidden_answers(html: str) -> list[tuple[str, str]]:
    """The answers a page carries in its first form, as the browser would send them."""
    form = html.split("<form", 2)[1]
    return [("answered", value) for value in re.findall(r'name="answered" value="([^"]*)"', form)]


def walk(client: TestClient, facts: dict[str, str]) -> tuple[list[tuple[str, int]], str]:
    """Answer the page's questions from `facts` (unknown when absent): each fact asked with the
    page's 'at most N more', and the final page."""
    html = client.post("/question").text
    seen = []
    while match := re.search(r'name="asking" value="([a-z0-9_]+)"', html):
        fact = match.group(1)
        at_most = int(re.search(r"at most (\d+) more", html).group(1))
        seen.append((fact, at_most))
        fields = [*hidden_answers(html), ("asking", fact), (fact, facts.get(fact, "unknown"))]
        html = post_form(client, "/question", fields).text
    return seen, html


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_page_interview_is_the_library_interview_and_progress_bounds_it(
    client: TestClient, scenario: dict[str, Any]
) -> None:
    facts = scenario["facts"]
    seen, html = walk(client, facts)
    interview = triage.Interview()
    while (question := interview.next_question()) is not None:
        interview.answer(question.fact, facts.get(question.fact, "unknown"))
    assert [fact for fact, _ in seen] == list(interview.asked)
    for index, (_fact, at_most) in enumerate(seen):
        assert len(seen) - index - 1 <= at_most  # "at most N more" is never exceeded
    primary = re.search(r'data-primary-route="([a-z_]+)"', html).group(1)
    assert primary == interview.recommendation().primary_route


def test_every_form_posts_and_no_answer_is_in_a_link(client: TestClient) -> None:
    _, html = walk(client, SCENARIOS[0]["facts"])
    forms = re.findall(r"<form [^>]*>", html)
    assert forms and all('method="post"' in form for form in forms)
    assert all("=" not in href for href in re.findall(r'href="([^"]*)"', html))


def test_why_not_any_route_from_the_answer_page(client: TestClient, advisor: triage.Advisor) -> None:
    _, html = walk(client, SCENARIOS[0]["facts"])
    answers = hidden_answers(html)
    page = post_form(client, "/why-not", [*answers, ("route", "multiagency_escalation")]).text
    given = dict(value.split("=") for _, value in answers)
    why = advisor.why_not(given, "multiagency_escalation")
    assert "Why not Multiagency escalation?" in page
    assert all(line.replace("'", "&#39;") in page for line in why.explanation)


def test_back_from_the_first_question_goes_to_the_start(client: TestClient) -> None:
    response = post_form(client, "/question", [("back", "1")], follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/")


@pytest.mark.parametrize(
    "fields",
    [
        [("answered", "complx=yes")],
        [("answered", "complex=maybe")],
        [("answered", "complex=yes"), ("answered", "complex=no")],
        [("answered", "Jane Doe lives at 12 High Street=yes")],
        [("asking", "complx"), ("complx", "yes")],
    ],
)
def test_a_tampered_form_gets_one_clear_error_page(client: TestClient, fields: list[tuple[str, str]]) -> None:
    response = post_form(client, "/question", fields)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert "Jane" not in response.text
    assert "Traceback" not in response.text


def test_why_not_without_a_route_is_an_error_page(client: TestClient) -> None:
    response = post_form(client, "/why-not", [("answered", "complex=yes")])
    assert response.status_code == 422
    assert "choose a route" in response.text


def test_no_asset_from_another_site(client: TestClient) -> None:
    pages = [client.get("/").text, client.post("/question").text, walk(client, SCENARIOS[0]["facts"])[1]]
    for html in pages:
        for link in re.findall(r'\s(?:src|href|action)="([^"]*)"', html):
            # This app's own paths (relative to its base) or a mail address: no scheme, no other host.
            assert link.startswith("mailto:") or not re.match(r"[a-z][a-z0-9+.-]*:|//", link), link
    for asset in ("/static/style.css", "/static/app.js"):
        text = client.get(asset).text
        assert "http" not in text
        assert "url(" not in text


def test_back_asks_the_last_question_again_with_its_answer_selected(client: TestClient) -> None:
    given = [("answered", "immediate_danger=no"), ("answered", "unreported_harm_concern=unknown")]
    html = post_form(client, "/question", [*given, ("back", "1")]).text
    assert 'name="asking" value="unreported_harm_concern"' in html
    assert re.search(r'value="unknown" checked', html)
    assert hidden_answers(html) == given[:1]
    assert "Question 2;" in html


@pytest.mark.parametrize(
    "route", ["emergency_response", "child_protection_referral", "multiagency_escalation"]
)
def test_contacts_name_each_detail_once_and_only_known_dates(client: TestClient, route: str) -> None:
    facts = {
        "emergency_response": {"immediate_danger": "yes"},
        "child_protection_referral": {"immediate_danger": "no", "unreported_harm_concern": "yes"},
        "multiagency_escalation": {
            "immediate_danger": "no",
            "unreported_harm_concern": "no",
            "professional_disagreement": "yes",
        },
    }[route]
    _, html = walk(client, facts)
    assert f'data-primary-route="{route}"' in html
    contacts = re.search(r"<h2[^>]*>Contacts</h2>(.*?)</ul>", html, re.S)
    assert contacts is not None
    for item in re.findall(r"<li>(.*?)</li>", contacts.group(1), re.S):
        text = re.sub(r"<[^>]+>", "", item)
        assert "as of unknown" not in text
        for detail in ("mcpc@moray.gov.uk", "999"):
            assert text.count(detail) <= 1, text
