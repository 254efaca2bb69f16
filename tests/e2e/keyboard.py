"""Driving a page with the keyboard alone, as someone without a mouse or touch screen does."""

from __future__ import annotations

from playwright.async_api import Page


async def tab_to(page: Page, matches: str, most: int) -> None:
    """Press Tab until the focused element satisfies the JS predicate `matches` (on `el`),
    which must also show a focus ring. Fails if `most` presses do not get there."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"(el => {matches})(document.activeElement)"):
            ring = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert ring not in ("", "none"), f"no focus ring on {matches}"
            return
    raise AssertionError(f"{most} presses of Tab never reached {matches}")
