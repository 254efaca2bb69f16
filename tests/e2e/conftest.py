"""Real browsers: Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# One browser per test, on the test's own event loop: Playwright's sync API would hold a loop
# for the whole session, which the database fixtures' own loops cannot run beside.
@pytest.fixture
async def browser() -> AsyncIterator[object]:
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (make test installs it when run as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


@pytest.fixture
def screenshot() -> object:
    """screenshot(page, "name"): saved under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    async def take(page: object, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take
