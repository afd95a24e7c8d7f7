"""The page, driven by plain HTTP (FastAPI's TestClient): the interview is the library's, page by
page, answers stay out of URLs, and bad forms get one clear error page."""

from __future__ import annotations

import re
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

import triage
from tests.conftest import load_scenarios, route_title
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


def walk(client: TestClient, facts: dict[str, str]) -> tuple[list[list[str]], str]:
    """Answer each question page from `facts` (unknown when absent): the facts of each page, and
    the page after the last question page (check your answers, or the advice at once for a
    safety route). Each page numbers its questions from the answers given so far."""
    html = client.post("/question").text
    seen: list[list[str]] = []
    while on_page := re.findall(r'name="asking" value="([a-z0-9_]+)"', html):
        first = sum(len(page) for page in seen) + 1
        numbered = (
            f"Question {first}" if len(on_page) == 1 else f"Questions {first} to {first + len(on_page) - 1}"
        )
        assert f'id="progress">{numbered}</p>' in html
        seen.append(on_page)
        fields = [*hidden_answers(html), *[("asking", fact) for fact in on_page]]
        fields += [(fact, facts.get(fact, "unknown")) for fact in on_page]
        html = post_form(client, "/question", fields).text
    return seen, html


def advice_for(client: TestClient, facts: dict[str, str]) -> str:
    """The advice page a person reaches answering from `facts`, past check your answers."""
    _, html = walk(client, facts)
    if "<h1>Check your answers</h1>" in html:
        html = post_form(client, "/advice", hidden_answers(html)).text
    return html


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_page_interview_is_the_library_interview_page_by_page(
    client: TestClient, scenario: dict[str, Any]
) -> None:
    facts = scenario["facts"]
    seen, html = walk(client, facts)
    interview = triage.Interview()
    pages = []
    while (group := interview.next_questions()) is not None:
        pages.append([question.fact for question in group.questions])
        for question in group.questions:
            interview.answer(question.fact, facts.get(question.fact, "unknown"))
    assert seen == pages
    rec = interview.recommendation()
    if triage.Advisor().pack.route[rec.primary_route].safety:
        assert "<h1>Check your answers</h1>" not in html  # act first: the advice at once
    else:
        assert "<h1>Check your answers</h1>" in html
        html = post_form(client, "/advice", hidden_answers(html)).text
    primary = re.search(r'data-primary-route="([a-z_]+)"', html).group(1)
    assert primary == rec.primary_route


def test_every_form_posts_and_no_answer_is_in_a_link(client: TestClient) -> None:
    html = advice_for(client, SCENARIOS[0]["facts"])
    forms = re.findall(r"<form [^>]*>", html)
    assert forms and all('method="post"' in form for form in forms)
    assert all("=" not in href for href in re.findall(r'href="([^"]*)"', html))


def test_why_not_any_route_from_the_answer_page(client: TestClient, advisor: triage.Advisor) -> None:
    html = advice_for(client, SCENARIOS[0]["facts"])
    answers = hidden_answers(html)
    page = post_form(client, "/why-not", [*answers, ("route", "multiagency_escalation")]).text
    given = dict(value.split("=") for _, value in answers)
    why = advisor.why_not(given, "multiagency_escalation")
    assert f"Why not {escape(route_title('multiagency_escalation'))}?" in page
    text = visible_text(page)
    for check in why.rules:  # each rule's reason, and the answers given that it needs otherwise
        assert check.reason in text
        for test in check.failed:
            assert f"you answered \u201c{advisor.pack.fact[test.fact].question}\u201d No, not Yes" in text
    assert "unknown" not in text and "[" not in text


def visible_text(html: str) -> str:
    """What a person reads: the page without its tags, attributes and the kept form fields."""
    body = html.split("<body>", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    return " ".join(unescape(text).split())


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
    pages = [client.get("/").text, client.post("/question").text, advice_for(client, SCENARIOS[0]["facts"])]
    for html in pages:
        for link in re.findall(r'\s(?:src|href|action)="([^"]*)"', html):
            # This app's own paths (relative to its base), a mail address or a phone number: no
            # other scheme, no other host.
            assert link.startswith(("mailto:", "tel:")) or not re.match(r"[a-z][a-z0-9+.-]*:|//", link), link
    for asset in ("/static/style.css", "/static/app.js"):
        text = client.get(asset).text
        assert "http" not in text
        assert "url(" not in text


def test_every_asset_a_page_links_is_served_and_the_browser_needs_no_favicon_ico(client: TestClient) -> None:
    html = client.get("/").text
    assets = re.findall(r'\s(?:src|href)="(static/[^"]*)"', html)
    assert {"static/style.css", "static/app.js", "static/icon.svg"} <= set(assets)
    for asset in assets:
        response = client.get(f"/{asset}")
        assert response.status_code == 200, asset
    # The page names its icon, so a browser does not ask for /favicon.ico (a 404 in every log).
    assert re.search(r'<link rel="icon" href="static/icon.svg" type="image/svg\+xml">', html)
    assert client.get("/static/icon.svg").headers["content-type"].startswith("image/svg+xml")


def test_back_asks_the_last_question_again_with_its_answer_selected(client: TestClient) -> None:
    given = [("answered", "immediate_danger=no"), ("answered", "unreported_harm_concern=unknown")]
    html = post_form(client, "/question", [*given, ("back", "1")]).text
    assert 'name="asking" value="unreported_harm_concern"' in html
    assert re.search(r'value="unknown" checked', html)
    assert hidden_answers(html) == given[:1]
    assert 'id="progress">Question 2</p>' in html


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
    html = advice_for(client, facts)
    assert f'data-primary-route="{route}"' in html
    contacts = re.search(r"<h2[^>]*>Contacts</h2>(.*?)</ul>", html, re.S)
    assert contacts is not None
    for item in re.findall(r"<li>(.*?)</li>", contacts.group(1), re.S):
        text = re.sub(r"<[^>]+>", "", item)
        assert "as of unknown" not in text
        for detail in ("mcpc@moray.gov.uk", "999"):
            assert text.count(detail) <= 1, text


def test_contacts_are_links_you_can_use_and_no_number_is_made_up(client: TestClient) -> None:
    html = advice_for(client, {"immediate_danger": "yes"})
    assert '<a href="tel:999">999</a>' in html
    contacts = re.search(r"<h2>Contacts</h2>(.*?)</ul>", html, re.S).group(1)
    assert "No verified number is held here" in contacts  # the Access Team: the pack has no number
    assert len(re.findall(r'href="tel:', contacts)) == 1
    html = advice_for(client, SCENARIOS[0]["facts"])
    assert '<a href="mailto:mcpc@moray.gov.uk">mcpc@moray.gov.uk</a>' in html


def test_the_start_page_speaks_for_the_pack_it_serves() -> None:
    toy = triage.Advisor(triage.load_pack(Path(__file__).parent / "packs" / "toy"))
    html = TestClient(create_app(toy)).get("/").text
    text = visible_text(html)
    assert toy.pack.title in text
    assert "Is Major incident the right route" in text  # the focus route, from the pack
    assert "Moray" not in html and "RCD" not in html and "Reflective" not in html
    moray = visible_text(TestClient(create_app(triage.Advisor())).get("/").text)
    assert "Reflective Case Discussion (RCD)" in moray


def test_enumerated_answers_are_shown_in_the_pack_s_words(client: TestClient) -> None:
    facts = {"immediate_danger": "no", "unreported_harm_concern": "no", "decision_sought": "yes"}
    seen, html = walk(client, {**facts, "plan_status": "childs_plan"})
    assert ["plan_status"] in seen
    text = visible_text(html)
    assert "A child's plan (GIRFEC)" in text
    assert "Childs plan" not in text and "childs_plan" not in text


def test_the_markdown_record_downloads_as_a_file(client: TestClient) -> None:
    html = advice_for(client, SCENARIOS[0]["facts"])
    response = post_form(client, "/record", hidden_answers(html))
    assert response.headers["content-disposition"] == 'attachment; filename="case-record.md"'
    assert response.text.startswith("# Route advice for a case")


def test_going_back_to_a_page_without_the_script_says_what_to_do(client: TestClient) -> None:
    response = client.get("/advice")
    assert response.status_code == 200
    assert "start again" in response.text
    assert client.get("/nothing-here").status_code == 404
