"""The page in a real browser (Debian's Chromium, headless, driven by Playwright): every shared
scenario's whole interview, what-if and why-not from the answer page, the print view, the 320 px
layout, keyboard only, and axe-core with no violation.

With CI=true these tests fail, never skip, when Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import triage
from tests.conftest import load_scenarios, question_text
from tests.webserver import running_server
from triage._interview import pages_to_settle
from triage._record_text import first_steps
from triage._scenarios import scenario_cases

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCENARIOS = load_scenarios()

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing: apt-get install -y chromium chromium-driver", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402 (only with a browser)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as (url, _process):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def press(page: Page, name: str) -> None:
    """Click a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def asking(page: Page) -> list[str]:
    """The facts the page asks about (empty on any other page)."""
    fields = page.locator("input[name=asking]")
    return [fields.nth(index).get_attribute("value") or "" for index in range(fields.count())]


def run_interview(page: Page, server: str, facts: dict[str, str]) -> list[list[str]]:
    """Start, answer each page's questions with the case's answers (unknown when it has none),
    go past check your answers, and return the facts asked, page by page."""
    page.goto(server + "/")
    press(page, "Start")
    pages: list[list[str]] = []
    while on_page := asking(page):
        pages.append(on_page)
        assert len(pages) <= len(facts) + 1, "the interview asked a fact twice"
        for fact in on_page:
            page.locator(f"input[name={fact}][value={facts.get(fact, 'unknown')}]").check()
        press(page, "Next")
    if page.get_by_role("heading", name="Check your answers").count():
        press(page, "See the advice")
    return pages


def library_pages(facts: dict[str, str]) -> tuple[triage.Interview, list[list[str]]]:
    """The library's interview answered from the same facts, and its pages."""
    interview = triage.Interview()
    pages = []
    while (group := interview.next_questions()) is not None:
        pages.append([question.fact for question in group.questions])
        for question in group.questions:
            interview.answer(question.fact, facts.get(question.fact, "unknown"))
    return interview, pages


def primary_route(page: Page) -> str | None:
    return page.locator("[data-primary-route]").get_attribute("data-primary-route")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_whole_interview_ends_on_the_expected_route(
    page: Page, server: str, scenario: dict[str, Any]
) -> None:
    facts = scenario["facts"]
    pages = run_interview(page, server, facts)
    interview, expected_pages = library_pages(facts)
    expected_primary = interview.recommendation().primary_route
    assert pages == expected_pages  # exactly the library interview's pages, in its order
    assert len(pages) == pages_to_settle(interview.advisor, facts)
    assert primary_route(page) == scenario["expect"].get("primary", expected_primary) == expected_primary
    assert page.url == server + "/question" or page.url == server + "/advice"  # never an answer in a URL


def test_back_takes_the_last_answer_back(page: Page, server: str) -> None:
    page.goto(server + "/")
    press(page, "Start")
    page.locator("input[name=immediate_danger][value=no]").check()
    press(page, "Next")
    assert asking(page) == ["unreported_harm_concern"]
    assert page.locator(".progress").inner_text() == "Question 2"
    press(page, "Back")
    assert asking(page) == ["immediate_danger"]
    assert page.locator("input[name=immediate_danger][value=no]").is_checked()


def test_next_without_an_answer_says_so(page: Page, server: str) -> None:
    page.goto(server + "/")
    press(page, "Start")
    press(page, "Next")
    assert "Choose an answer" in page.get_by_role("alert").inner_text()
    assert asking(page) == ["immediate_danger"]


def finish_rcd_case(page: Page, server: str) -> None:
    run_interview(page, server, SCENARIOS[0]["facts"])
    assert primary_route(page) == "reflective_case_discussion"


def test_what_if_from_the_answer_page(page: Page, server: str) -> None:
    finish_rcd_case(page, server)
    press(page, "What if an answer changed?")
    page.locator("input[name=immediate_danger][value=yes]").check()
    press(page, "See what changes")
    assert page.locator("[data-primary-route]").get_attribute("data-primary-route") == "emergency_response"
    press(page, "Use the changed answers")
    assert page.locator("[data-primary-route]").get_attribute("data-primary-route") == "emergency_response"


def test_why_not_rcd_from_the_answer_page_speaks_in_sentences(page: Page, server: str) -> None:
    facts = SCENARIOS[6]["facts"]  # a decision wanted: RCD ruled out
    run_interview(page, server, facts)
    press(page, "Why not RCD?")
    assert page.get_by_role("heading", level=1).inner_text() == "Why not RCD?"
    interview, _ = library_pages(facts)
    why = interview.advisor.why_not(interview.answers, "reflective_case_discussion")
    shown = page.locator("main").inner_text()
    assert why.ruled_out_by
    assert all(out.reason in shown for out in why.ruled_out_by)
    assert "[" not in shown and "unknown" not in shown
    press(page, "Back to the advice")
    assert page.locator("[data-primary-route]").count() == 1


def test_print_view_and_copy_as_text_give_the_plain_case_record(page: Page, server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    finish_rcd_case(page, server)
    page.get_by_role("button", name="Copy as text").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    pack = triage.load_pack(triage.default_pack_path())
    assert len(copied.splitlines()) <= 40
    assert f"version {pack.version}" in copied and pack.title in copied
    assert f"- {question_text('complex')} Yes" in copied
    assert pack.notice.split(",")[0] in copied
    assert pack.sha256 not in copied
    assert not any(mark in copied for mark in ("**", "`", "#", "reflective_case_discussion"))
    page.emulate_media(media="print")
    assert not page.locator(".tools").is_visible()
    assert not page.locator("#record").is_visible()
    assert page.get_by_role("heading", name="Your answers").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_markdown_record_is_a_download(page: Page, server: str) -> None:
    finish_rcd_case(page, server)
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download the record (Markdown)").click()
    download = caught.value
    assert download.suggested_filename == "case-record.md"
    text = Path(download.path()).read_text()
    assert text.startswith("# Route advice for a case")
    assert triage.load_pack(triage.default_pack_path()).sha256 in text  # the audit part


def test_works_with_javascript_off(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    run_interview(page, server, SCENARIOS[2]["facts"])
    assert primary_route(page) == "emergency_response"
    assert not page.get_by_role("button", name="Copy as text").is_visible()  # needs the script
    assert page.locator("#record").input_value().startswith("Route advice for a case")
    press(page, "Back")  # the page's own Back works without the script
    assert asking(page) == ["immediate_danger"]
    context.close()


def test_keyboard_only(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.locator("button", has_text="Start").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("input[name=immediate_danger]").first.focus()
    page.keyboard.press("ArrowDown")  # radios: arrows move and select
    assert page.locator("input[name=immediate_danger][value=no]").is_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a form submits it
    assert asking(page) == ["unreported_harm_concern"]


def test_readable_at_320_px(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    finish_rcd_case(page, server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
        },
    )
    assert len(results.response["passes"]) > 5  # axe ran its checks
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def test_axe_finds_nothing_on_any_page(page: Page, server: str) -> None:
    seen = []
    page.goto(server + "/")
    seen.append(("start", axe_violations(page)))
    press(page, "Start")
    seen.append(("question", axe_violations(page)))
    press(page, "Next")
    seen.append(("question with an error", axe_violations(page)))
    for fact in ("immediate_danger", "unreported_harm_concern"):
        page.locator(f"input[name={fact}][value=no]").check()
        press(page, "Next")
    assert len(asking(page)) > 1
    seen.append(("a group of questions", axe_violations(page)))
    press(page, "Next")
    seen.append(("a group of questions with errors", axe_violations(page)))
    run_interview(page, server, SCENARIOS[0]["facts"])
    seen.append(("answer", axe_violations(page)))
    press(page, "Check or change your answers")
    seen.append(("check your answers", axe_violations(page)))
    press(page, "See the advice")
    press(page, "What if an answer changed?")
    seen.append(("what if an answer changed", axe_violations(page)))
    page.locator("input[name=complex][value=no]").check()
    press(page, "See what changes")
    seen.append(("what if", axe_violations(page)))
    press(page, "Back to the advice as it was")
    press(page, "Why RCD?")  # RCD is the primary route here
    seen.append(("why", axe_violations(page)))
    run_interview(page, server, {"immediate_danger": "unknown"})
    seen.append(("a safety answer", axe_violations(page)))
    page.goto(server + "/check")
    seen.append(("going back", axe_violations(page)))
    found = {name: [v["id"] for v in violations] for name, violations in seen if violations}
    assert found == {}


def route_cases() -> dict[str, dict[str, str]]:
    """For each route, the answers of the first pack scenario whose advice puts it first."""
    advisor = triage.Advisor()
    found: dict[str, dict[str, str]] = {}
    for case in scenario_cases([triage.default_pack_path() / "scenarios"], advisor=advisor):
        found.setdefault(advisor.recommend(case).primary_route, dict(case))
    return found


ROUTE_CASES = route_cases()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 667})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.mark.parametrize("route", [route.id for route in triage.load_pack(triage.default_pack_path()).routes])
def test_the_top_box_holds_the_first_action_on_a_phone_s_first_screen(
    phone: Page, server: str, route: str
) -> None:
    facts = ROUTE_CASES[route]
    run_interview(phone, server, facts)
    assert primary_route(phone) == route
    box = phone.locator("[data-primary-route]")
    shown = " ".join(box.inner_text().split())
    interview, _ = library_pages(facts)
    for step in first_steps(interview.recommendation()):
        assert " ".join(step.split()) in shown
    assert "notes below" not in shown
    bottom = phone.evaluate("document.querySelector('[data-primary-route]').getBoundingClientRect().bottom")
    assert bottom <= 667  # the whole box on the first screen


@pytest.mark.parametrize("facts", [{"immediate_danger": "yes"}, {"immediate_danger": "unknown"}])
def test_a_safety_answer_stands_apart_in_words_and_colour(
    page: Page, server: str, facts: dict[str, str]
) -> None:
    run_interview(page, server, facts)
    box = page.locator("[data-primary-route]")
    assert box.locator(".label").inner_text().lower() == "act now"
    urgent_border = box.evaluate("element => getComputedStyle(element).borderTopColor")
    assert page.evaluate(  # the action comes before the notice
        "document.querySelector('[data-primary-route]').compareDocumentPosition("
        "document.querySelector('.notice')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    chosen = page.locator("#why-route").input_value()
    assert not triage.Advisor().pack.route[chosen].safety  # why-not starts on a route people ask about
    run_interview(page, server, SCENARIOS[0]["facts"])
    calm = page.locator("[data-primary-route]")
    assert calm.locator(".label").inner_text().lower() != "act now"
    assert calm.evaluate("element => getComputedStyle(element).borderTopColor") != urgent_border


def test_check_your_answers_then_change_one_and_come_back(page: Page, server: str) -> None:
    facts = SCENARIOS[0]["facts"]
    page.goto(server + "/")
    press(page, "Start")
    while on_page := asking(page):
        for fact in on_page:
            page.locator(f"input[name={fact}][value={facts.get(fact, 'unknown')}]").check()
        press(page, "Next")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    interview, _ = library_pages(facts)
    rows = page.locator(".summary-row")
    assert rows.count() == len(interview.asked)  # the questions actually asked, no other
    complex_row = rows.filter(has_text=interview.advisor.pack.fact["complex"].question)
    assert complex_row.locator("dd.value").inner_text() == "Yes"
    with page.expect_navigation():
        complex_row.get_by_role("button", name="Change").click()
    assert asking(page) == ["complex"]
    assert page.locator("input[name=complex][value=yes]").is_checked()
    page.locator("input[name=complex][value=no]").check()
    press(page, "Save and go on")
    while on_page := asking(page):  # a change can open questions: they are asked, then back here
        for fact in on_page:
            page.locator(f"input[name={fact}][value=unknown]").check()
        press(page, "Next")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    complex_row = page.locator(".summary-row").filter(
        has_text=interview.advisor.pack.fact["complex"].question
    )
    assert complex_row.locator("dd.value").inner_text() == "No"
    press(page, "See the advice")
    assert primary_route(page) is not None


def test_the_browser_back_button_works_from_a_question_and_from_the_advice(page: Page, server: str) -> None:
    run_interview(page, server, ROUTE_CASES["child_protection_referral"])
    assert primary_route(page) == "child_protection_referral"
    page.go_back()
    page.wait_for_selector("input[name=asking]", state="attached")
    assert asking(page) == ["unreported_harm_concern"]
    page.go_back()
    page.wait_for_selector("input[name=asking][value=immediate_danger]", state="attached")
    assert "Confirm Form Resubmission" not in page.content()
    page.go_forward()
    page.wait_for_selector("input[name=asking][value=unreported_harm_concern]", state="attached")
    page.go_forward()
    page.wait_for_selector("[data-primary-route]")
    assert primary_route(page) == "child_protection_referral"
    assert "=" not in page.url and not page.context.cookies()


def ids_and_hashes() -> set[str]:
    pack = triage.load_pack(triage.default_pack_path())
    ids = (
        {fact.id for fact in pack.facts}
        | {route.id for route in pack.routes}
        | {rule.id for rule in pack.rules}
    )
    ids |= {answer for fact in pack.facts for answer in fact.answers if "_" in answer}
    return {word for word in ids if "_" in word} | {pack.sha256, pack.id}


def test_no_id_or_hash_in_the_visible_text_of_any_page(page: Page, server: str) -> None:
    hidden = ids_and_hashes()
    texts = []

    def read() -> None:
        texts.append((page.url, page.locator("body").inner_text()))

    page.goto(server + "/")
    read()
    for route, facts in ROUTE_CASES.items():
        page.goto(server + "/")
        press(page, "Start")
        read()
        while on_page := asking(page):
            for fact in on_page:
                page.locator(f"input[name={fact}][value={facts.get(fact, 'unknown')}]").check()
            press(page, "Next")
            read()
        if page.get_by_role("heading", name="Check your answers").count():
            press(page, "See the advice")
            read()
        assert primary_route(page) == route
        if route == "decision_forum":
            press(page, "What if an answer changed?")
            read()
            press(page, "See what changes")
            read()
            press(page, "Back to the advice as it was")
        page.locator("#why-route").select_option(index=0)
        press(page, "Explain")
        read()
    for url, text in texts:
        found = [word for word in hidden if word in text]
        assert found == [], url
        assert "at most 0" not in text and "answered unknown" not in text


def test_a_not_sure_answer_is_named_and_only_it_is_offered(page: Page, server: str) -> None:
    run_interview(page, server, {"immediate_danger": "unknown"})
    assert primary_route(page) == "child_protection_referral"
    open_part = page.locator("section.open")
    danger = triage.Advisor().pack.fact["immediate_danger"].question
    assert danger in open_part.inner_text()
    assert open_part.get_by_role("button", name="Change").count() == 1
    assert not page.get_by_role("button", name="Answer the open questions").count()
    with page.expect_navigation():
        open_part.get_by_role("button", name="Change").click()
    assert asking(page) == ["immediate_danger"]
