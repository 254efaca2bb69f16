"""Atlas's operator page in a real browser against a real `safewatch serve atlas` process: a
product key opens it; it shows the serving model, the product's feedback and confusions, and
its latest media analyses."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import skimage.data
from PIL import Image
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from safewatch.atlas.models import Threat
from safewatch.core.db import Database
from safewatch.core.testing.servers import free_port, running_server
from tests.atlas.conftest import KEYS, product_headers

WAIT_MS = 15_000


@pytest.fixture
def atlas_db(database_url: Callable[[str], str]) -> str:
    return database_url("atlas")


@pytest.fixture
def atlas_url(atlas_db: str, tmp_path: Path, model_dir: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "safewatch", "serve", "atlas", "--atlas-port", str(port)]
    env = {
        **os.environ,
        "ATLAS_DATABASE_URL": atlas_db,
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEYS["halo"],
    }
    command += ["--data-dir", str(tmp_path)]
    with running_server(command, port=port, env=env, log_path=tmp_path / "atlas.log", timeout=90):
        yield f"http://127.0.0.1:{port}"


async def feed(url: str) -> None:
    """One classified text corrected by Halo, and one photo analysed."""
    async with httpx.AsyncClient(base_url=url, headers=product_headers("halo")) as http:
        threat = await http.post(
            "/api/v1/classify/threat",
            json={"type": "text", "data": "Gunshots heard", "context": {"source_product": "halo"}},
        )
        assert threat.status_code == 200
        body = threat.json()
        feedback = await http.post(
            "/api/v1/training/feedback",
            json={
                "source_product": "halo",
                "prediction_id": body["threat_id"],
                "predicted_category": body["classification"]["threat_category"],
                "actual_category": "fraud",
                "user_correction": True,
            },
        )
        assert feedback.status_code in (200, 201)
        photo = io.BytesIO()
        Image.fromarray(skimage.data.coffee()).save(photo, format="JPEG")
        analysed = await http.post(
            "/api/v1/analyze/media",
            files={"file": ("coffee.jpg", photo.getvalue())},
            data={"media_type": "photo"},
        )
        assert analysed.status_code == 200


async def test_operators_see_models_feedback_and_analyses(
    browser: Any, atlas_url: str, screenshot: Callable[[Page, str], Awaitable[Path]]
) -> None:
    await feed(atlas_url)
    page: Page = await browser.new_page(viewport={"width": 1300, "height": 900})
    await page.goto(atlas_url)
    await page.get_by_label("Product").select_option("halo")
    await page.get_by_label("API key").fill("not-the-key")
    await page.get_by_role("button", name="Open").click()
    await expect(page.locator("#sign-in-status")).to_contain_text("Not a valid halo key")
    await expect(page.locator("#console")).to_be_hidden()

    await page.get_by_label("API key").fill(KEYS["halo"])
    await page.get_by_role("button", name="Open").click()
    await expect(page.locator("#console")).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#models tr.champion")).to_contain_text("(serving)")
    await expect(page.locator("#feedback-summary")).to_contain_text(
        "1 feedback items, 1 corrections"
    )
    await expect(page.locator("#confusions")).to_contain_text("weapons")
    await expect(page.locator("#confusions")).to_contain_text("fraud")
    await expect(page.locator("#analyses tr")).to_have_count(1)
    await expect(page.locator("#analyses")).to_contain_text("photo (jpeg)")
    await screenshot(page, "atlas-operator-page")
    # The key travels in a header only: it is in no URL the page asked for.
    assert KEYS["halo"] not in page.url


async def test_the_try_box_classifies_without_storing(
    browser: Any, atlas_url: str, atlas_db: str
) -> None:
    page: Page = await browser.new_page()
    await page.goto(atlas_url)
    await page.get_by_label("Product").select_option("halo")
    await page.get_by_label("API key").fill(KEYS["halo"])
    await page.get_by_role("button", name="Open").click()
    await expect(page.locator("#console")).to_be_visible(timeout=WAIT_MS)

    await page.get_by_label("Incident text").fill("Gunshots heard near the library")
    async with page.expect_request("**/api/v1/classify/threat") as sent:
        await page.get_by_role("button", name="Classify").click()
    assert (await sent.value).post_data_json["options"]["store"] is False
    await expect(page.locator("#try-status")).to_contain_text("weapons", timeout=WAIT_MS)
    await expect(page.locator("#try-status")).to_contain_text("not stored")
    db = Database(atlas_db)
    try:
        async with db.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Threat)) == 0
    finally:
        await db.dispose()
