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
from tests.conftest import load_scenarios
from tests.webserver import running_server

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


def asking(page: Page) -> str | None:
    """The fact the page asks about, or None on the answer page."""
    field = page.locator("input[name=asking]")
    return field.get_attribute("value") if field.count() else None


def run_interview(page: Page, server: str, facts: dict[str, str]) -> list[str]:
    """Start, answer each question with the scenario's answer (unknown when it has none) by
    keyboard-free clicks on the labels, and return the facts asked, in order."""
    page.goto(server + "/")
    press(page, "Start")
    asked: list[str] = []
    while (fact := asking(page)) is not None:
        asked.append(fact)
        assert len(asked) <= len(facts) + 1, "the interview asked a fact twice"
        page.locator(f"input[name={fact}][value={facts.get(fact, 'unknown')}]").check()
        press(page, "Next")
    return asked


def library_interview(facts: dict[str, str]) -> triage.Interview:
    """The library's interview answered from the same facts."""
    interview = triage.Interview()
    while (question := interview.next_question()) is not None:
        interview.answer(question.fact, facts.get(question.fact, "unknown"))
    return interview


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_whole_interview_ends_on_the_expected_route(
    page: Page, server: str, scenario: dict[str, Any]
) -> None:
    facts = scenario["facts"]
    asked = run_interview(page, server, facts)
    interview = library_interview(facts)
    expected_primary = interview.recommendation().primary_route
    assert asked == list(interview.asked)  # exactly the library interview's questions, in its order
    primary = page.locator("[data-primary-route]").get_attribute("data-primary-route")
    assert primary == scenario["expect"].get("primary", expected_primary) == expected_primary
    assert page.url == server + "/question"  # answers travel in forms, never in a URL


def test_back_takes_the_last_answer_back(page: Page, server: str) -> None:
    page.goto(server + "/")
    press(page, "Start")
    page.locator("input[name=immediate_danger][value=no]").check()
    press(page, "Next")
    assert asking(page) == "unreported_harm_concern"
    assert "Question 2;" in page.locator(".progress").inner_text()
    press(page, "Back")
    assert asking(page) == "immediate_danger"
    assert page.locator("input[name=immediate_danger][value=no]").is_checked()


def test_next_without_an_answer_says_so(page: Page, server: str) -> None:
    page.goto(server + "/")
    press(page, "Start")
    press(page, "Next")
    assert page.get_by_role("alert").inner_text().startswith("Choose an answer")
    assert asking(page) == "immediate_danger"


def finish_rcd_case(page: Page, server: str) -> None:
    run_interview(page, server, SCENARIOS[0]["facts"])
    assert (
        page.locator("[data-primary-route]").get_attribute("data-primary-route")
        == "reflective_case_discussion"
    )


def test_what_if_from_the_answer_page(page: Page, server: str) -> None:
    finish_rcd_case(page, server)
    press(page, "Change an answer")
    page.locator("input[name=immediate_danger][value=yes]").check()
    press(page, "See what changes")
    assert page.locator("[data-primary-route]").get_attribute("data-primary-route") == "emergency_response"
    press(page, "Use the changed answers")
    assert page.locator("[data-primary-route]").get_attribute("data-primary-route") == "emergency_response"


def test_why_not_rcd_from_the_answer_page(page: Page, server: str) -> None:
    run_interview(page, server, SCENARIOS[6]["facts"])  # a decision wanted: RCD ruled out
    press(page, "Why not RCD?")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Why not Multiagency Reflective")
    answers = library_interview(SCENARIOS[6]["facts"]).answers
    why = triage.Advisor().why_not(answers, "reflective_case_discussion")
    shown = page.locator("main").inner_text()
    assert why.explanation
    assert all(line in shown for line in why.explanation)
    press(page, "Back to the advice")
    assert page.locator("[data-primary-route]").count() == 1


def test_print_view_and_copy_as_text_give_the_case_record(page: Page, server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    finish_rcd_case(page, server)
    page.get_by_role("button", name="Copy as text").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    pack = triage.load_pack(triage.default_pack_path())
    assert pack.sha256 in copied and pack.version in copied
    assert "Is the case complex? **yes**" in copied
    assert pack.notice.split(",")[0] in copied
    page.emulate_media(media="print")
    assert not page.locator(".tools").is_visible()
    assert not page.locator("#record").is_visible()
    assert page.get_by_role("heading", name="Answers given").is_visible()
    assert page.locator(".audit", has_text=pack.sha256).first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_works_with_javascript_off(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    run_interview(page, server, SCENARIOS[2]["facts"])
    assert page.locator("[data-primary-route]").get_attribute("data-primary-route") == "emergency_response"
    assert not page.get_by_role("button", name="Copy as text").is_visible()  # needs the script
    assert page.locator("#record").input_value().startswith("# Route advice")
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
    assert asking(page) == "unreported_harm_concern"


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
    assert len(results.response["passes"]) > 10  # axe ran its checks
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
    run_interview(page, server, SCENARIOS[0]["facts"])
    seen.append(("answer", axe_violations(page)))
    press(page, "Change an answer")
    seen.append(("change an answer", axe_violations(page)))
    page.locator("input[name=complex][value=no]").check()
    press(page, "See what changes")
    seen.append(("what if", axe_violations(page)))
    press(page, "Back to the advice as it was")
    press(page, "Why RCD?")  # RCD is the primary route here
    seen.append(("why not", axe_violations(page)))
    found = {name: [v["id"] for v in violations] for name, violations in seen if violations}
    assert found == {}
