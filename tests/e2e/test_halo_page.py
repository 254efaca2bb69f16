"""Halo's page in a real browser against real processes: a report shows Atlas's classification;
with Atlas unreachable the same page shows Halo's fallback, and nothing is lost."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from safewatch.core.testing.servers import free_port, running_server
from tests.atlas.conftest import KEYS
from tests.e2e.keyboard import tab_to

WAIT_MS = 15_000


def serve(services: list[str], ports: dict[str, int], data_dir: Path, env: dict[str, str]) -> Any:
    command = [sys.executable, "-m", "safewatch", "serve", *services, "--data-dir", str(data_dir)]
    for service in services:
        command += [f"--{service}-port", str(ports[service])]
    return running_server(
        command,
        port=ports["halo"],
        env={**os.environ, **env},
        log_path=data_dir / "serve.log",
        timeout=90,
    )


@pytest.fixture
def halo_with_atlas(
    database_url: Callable[[str], str], tmp_path: Path, model_dir: Path
) -> Iterator[str]:
    ports = {"atlas": free_port(), "halo": free_port()}
    env = {
        "ATLAS_DATABASE_URL": database_url("atlas"),
        "HALO_DATABASE_URL": database_url("halo"),
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEYS["halo"],
        "ATLAS_API_KEY": KEYS["halo"],
        "ATLAS_API_URL": f"http://127.0.0.1:{ports['atlas']}",
    }
    with serve(["atlas", "halo"], ports, tmp_path, env):
        yield f"http://127.0.0.1:{ports['halo']}"


@pytest.fixture
def halo_alone(database_url: Callable[[str], str], tmp_path: Path) -> Iterator[str]:
    ports = {"halo": free_port()}
    env = {
        "HALO_DATABASE_URL": database_url("halo"),
        "ATLAS_API_KEY": KEYS["halo"],
        "ATLAS_API_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
    }
    with serve(["halo"], ports, tmp_path, env):
        yield f"http://127.0.0.1:{ports['halo']}"


async def report(browser: Any, url: str, text: str) -> Page:
    page: Page = await browser.new_page(viewport={"width": 1300, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    await expect(page.locator("#latitude")).not_to_have_value("", timeout=WAIT_MS)
    await page.get_by_label("What happened?").fill(text)
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("#result")).to_be_visible(timeout=WAIT_MS)
    assert not errors, errors
    return page


async def test_a_report_shows_atlas_classification_and_appears_nearby(
    browser: Any, halo_with_atlas: str, screenshot: Callable[[Page, str], Awaitable[Path]]
) -> None:
    page = await report(browser, halo_with_atlas, "Gunshots heard")
    await expect(page.locator("#r-category")).to_have_text("weapons")
    await expect(page.locator("#r-severity")).to_have_text("5 of 5")
    await expect(page.locator("#r-source")).to_contain_text("Atlas")
    await expect(page.locator("#r-polisen")).not_to_have_text("—")
    await expect(page.locator("#recent")).to_contain_text("Gunshots heard", timeout=WAIT_MS)
    await expect(page.locator("#map .leaflet-interactive")).not_to_have_count(0)
    # Patterns come from the real Atlas (none yet with one report), not a stale copy.
    await expect(page.locator("#patterns-status")).to_have_text(
        "No significant patterns near here.", timeout=WAIT_MS
    )
    await screenshot(page, "halo-report-classified-by-atlas")

    await page.get_by_label("What happened?").fill("ab")
    await page.get_by_label("Latitude").fill("123")
    await page.get_by_role("button", name="Send report").click()
    # The browser's own check stops a latitude of 123 before it is sent.
    assert await page.locator("#latitude").evaluate("input => !input.validity.valid")


async def test_without_atlas_the_page_shows_the_fallback(
    browser: Any, halo_alone: str, screenshot: Callable[[Page, str], Awaitable[Path]]
) -> None:
    page = await report(browser, halo_alone, "Brand i lägenhet, rök i trapphuset")
    await expect(page.locator("#r-category")).to_have_text("fire")
    await expect(page.locator("#r-source")).to_contain_text("Halo fallback")
    await expect(page.locator("#r-source")).to_contain_text("Atlas unavailable")
    await expect(page.locator("#patterns-status")).to_have_text(
        "Atlas is unavailable right now: no patterns to show.", timeout=WAIT_MS
    )
    await screenshot(page, "halo-report-fallback")


async def test_a_report_can_be_sent_with_the_keyboard_alone(browser: Any, halo_alone: str) -> None:
    """Someone who cannot use a mouse (or a screen reader user) reaches the description first,
    sees where the focus is, sends with Enter, and hears the answer (a live status)."""
    page: Page = await browser.new_page(viewport={"width": 1300, "height": 950})
    await page.goto(halo_alone)
    await expect(page.locator("#latitude")).not_to_have_value("", timeout=WAIT_MS)
    await tab_to(page, "el.id === 'description'", most=3)
    await page.keyboard.type("Någon har stulit min cykel vid stationen")
    await tab_to(page, "el.type === 'submit'", most=4)  # with a focus ring, as each stop
    await page.keyboard.press("Enter")
    await expect(page.locator("#report-status")).to_have_text(
        "Thank you: your report is stored.", timeout=WAIT_MS
    )
    await expect(page.locator("#r-category")).to_have_text("theft")
