"""The ResQ consoles in a real browser against a real `safewatch serve resq --demo` process:
a detection reaches the rank-1 guard's page, ACCEPT there reaches the dispatcher's page, the
chat crosses both ways, and the student's SOS page follows along. Nothing is reloaded: every
update arrives over the WebSocket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from safewatch.core.testing.servers import serve_process
from tests.e2e.keyboard import tab_to

PASSWORD = "console-test-password"
BEACON = "safe:uuid:403:403"  # Library 3F Entrance; guard3 (Robin) stands nearest
WAIT_MS = 10_000


@pytest.fixture
def resq_url(database_url: Callable[[str], str], tmp_path: Path) -> Iterator[str]:
    env = {"RESQ_DATABASE_URL": database_url("resq"), "SAFEWATCH_DEMO_PASSWORD": PASSWORD}
    with serve_process("resq", data_dir=tmp_path, env=env, extra_args=("--demo",)) as url:
        yield url


async def open_as(browser: Any, url: str, username: str, *, phone: bool = False) -> Page:
    size = {"width": 420, "height": 900} if phone else {"width": 1400, "height": 950}
    page: Page = await (await browser.new_context(viewport=size)).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#live")).to_have_text("live", timeout=WAIT_MS)
    assert not errors, errors
    # Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate("window.stillTheSamePage = true")
    return page


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.stillTheSamePage") is True


async def test_detection_accept_and_chat_cross_the_consoles(
    browser: Any, resq_url: str, screenshot: Callable[[Page, str], Awaitable[Path]]
) -> None:
    dispatcher = await open_as(browser, f"{resq_url}/console/", "dispatcher")
    guard = await open_as(browser, f"{resq_url}/console/guard", "guard3", phone=True)
    await expect(dispatcher.locator("#open-count")).to_have_text("No open incidents.")
    await expect(guard.locator("#incoming")).to_be_hidden()

    async with httpx.AsyncClient() as http:
        detection = await http.post(
            f"{resq_url}/api/ai/violence-detected/",
            json={"beacon_id": BEACON, "confidence_score": 0.92, "description": "Fight detected"},
        )
    assert detection.status_code == 201
    incident_id = detection.json()["incident_id"]

    # The alert appears on the rank-1 guard's phone, and the incident on the dispatcher's list.
    incoming = guard.locator("#incoming")
    await expect(incoming).to_be_visible(timeout=WAIT_MS)
    await expect(incoming).to_contain_text("Library 3F Entrance")
    await expect(guard.locator("#in-rank")).to_contain_text("guard #1")
    listed = dispatcher.locator(f'#incidents button[data-incident-id="{incident_id}"]')
    await expect(listed).to_contain_text("CREATED", timeout=WAIT_MS)
    await expect(listed).to_contain_text("Critical")
    await listed.click()
    await expect(dispatcher.locator("#d-alerts tr")).to_have_count(3)
    await expect(dispatcher.locator("#d-alerts")).to_contain_text("Robin Guard")
    await screenshot(guard, "resq-guard-incoming-alert")

    await guard.get_by_role("button", name="ACCEPT").click()
    await expect(guard.locator("#mine")).to_be_visible(timeout=WAIT_MS)
    await expect(guard.locator("#incoming")).to_be_hidden()
    await expect(listed).to_contain_text("ASSIGNED", timeout=WAIT_MS)
    await expect(dispatcher.locator("#d-assignment")).to_contain_text("Accepted by Robin Guard")

    # The student at that beacon asks for help: the SOS joins the incident they can now follow.
    student = await open_as(browser, f"{resq_url}/console/student", "student1", phone=True)
    await student.get_by_label("Where are you?").select_option(BEACON)
    await student.get_by_role("button", name="SOS").click()
    await expect(student.locator("#m-help")).to_contain_text(
        "Robin Guard accepted", timeout=WAIT_MS
    )

    await guard.get_by_placeholder("Message to the student").fill("On my way, two minutes.")
    await guard.get_by_role("button", name="Send").click()
    for page in (dispatcher, student):
        await expect(page.locator("#chat ol")).to_contain_text(
            "On my way, two minutes.", timeout=WAIT_MS
        )
    await student.get_by_placeholder("Message to security").fill("I am by the stairs.")
    await student.get_by_role("button", name="Send").click()
    await expect(guard.locator("#chat ol")).to_contain_text("I am by the stairs.", timeout=WAIT_MS)

    await guard.get_by_role("button", name="ARRIVED").click()
    await expect(dispatcher.locator("#d-assignment")).to_contain_text("on scene", timeout=WAIT_MS)
    await expect(student.locator("#m-help")).to_contain_text("is with you", timeout=WAIT_MS)
    await screenshot(dispatcher, "resq-dispatcher-console")
    await screenshot(student, "resq-student-sos")
    await screenshot(guard, "resq-guard-on-scene")

    await guard.get_by_role("button", name="RESOLVE").click()
    await expect(listed).to_have_count(0, timeout=WAIT_MS)
    await expect(student.locator("#m-status")).to_have_text("RESOLVED", timeout=WAIT_MS)
    for page in (dispatcher, guard, student):
        await assert_not_reloaded(page)


async def test_pages_refuse_the_wrong_role_show_api_errors_and_forbid_inline_script(
    browser: Any, resq_url: str
) -> None:
    page: Page = await browser.new_page()
    await page.goto(f"{resq_url}/console/")
    await page.get_by_label("User name").fill("guard1")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#sign-in-status")).to_contain_text("for dispatcher accounts")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#sign-in-status")).to_contain_text("Wrong username or password")
    await expect(page.locator("#console")).to_be_hidden()

    for path in ("/console/", "/console/guard", "/console/student"):
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{resq_url}{path}")
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


async def test_sos_and_accept_work_with_the_keyboard_alone(browser: Any, resq_url: str) -> None:
    """A student who cannot use the touch screen or mouse signs in, picks the place and raises
    an SOS with keys alone; the nearest guard accepts it the same way."""
    pages = []
    for path, username in (("student", "student1"), ("guard", "guard3")):
        page: Page = await (await browser.new_context()).new_page()
        await page.goto(f"{resq_url}/console/{path}")
        await tab_to(page, "el.id === 'username'", most=4)
        await page.keyboard.type(username)
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await expect(page.locator("#live")).to_have_text("live", timeout=WAIT_MS)
        pages.append(page)
    student, guard = pages

    await tab_to(student, "el.id === 'beacon'", most=8)
    for _ in range(40):  # arrow keys walk the list of places
        if await student.locator("#beacon").input_value() == BEACON:
            break
        await student.keyboard.press("ArrowDown")
    assert await student.locator("#beacon").input_value() == BEACON
    await tab_to(student, "el.classList.contains('sos')", most=3)
    await student.keyboard.press("Enter")
    await expect(student.locator("#m-help")).to_be_visible(timeout=WAIT_MS)

    await expect(guard.locator("#incoming")).to_be_visible(timeout=WAIT_MS)
    await tab_to(guard, "el.textContent.trim() === 'ACCEPT'", most=12)
    await guard.keyboard.press("Enter")
    await expect(guard.locator("#mine")).to_be_visible(timeout=WAIT_MS)
    await expect(student.locator("#m-help")).to_contain_text(
        "Robin Guard accepted", timeout=WAIT_MS
    )
