"""Atlas's `Work`: a route's rows and jobs are committed before its answer is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select
from tests.atlas.conftest import product_headers, started
from tests.atlas.test_training import classify_all, feedback

from safewatch.atlas.app import build_atlas
from safewatch.atlas.models import Feedback, jobs
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training.service import RETRAIN
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime


async def committed(runtime: ServiceRuntime) -> tuple[int, int]:
    """Feedback rows and feedback-queued retrains another connection sees. On SQLite (one
    connection) an uncommitted transaction still holds it, so waiting means "not yet"."""

    async def read() -> tuple[int, int]:
        async with runtime.db.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(Feedback))
            retrains = await session.scalar(
                select(func.count())
                .select_from(jobs)
                .where(jobs.c.kind == RETRAIN, jobs.c.dedup_key.like("retrain:feedback:%"))
            )
        return int(rows or 0), int(retrains or 0)

    try:
        return await asyncio.wait_for(read(), 5)
    except TimeoutError:
        return 0, 0


async def test_feedback_and_its_retrain_are_committed_before_the_answer(
    atlas_settings: AtlasSettings, clock: FrozenClock
) -> None:
    settings = AtlasSettings.model_validate(
        {**atlas_settings.model_dump(), "retrain_min_feedback": 1}
    )
    atlas = await started(build_atlas(settings, clock=clock))
    seen_at_start: list[tuple[int, int]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def checked_send(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                seen_at_start.append(await committed(atlas))
            await send(message)

        await atlas.app(scope, receive, checked_send)

    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
            (fight,) = await classify_all(client, ["Fight outside bar"])
            seen_at_start.clear()  # the classify call's own check
            clock.advance(1)  # feedback counts when newer than the champion
            predicted = fight["classification"]["threat_category"]
            response = await client.post(
                "/api/v1/training/feedback",
                json=feedback(fight["threat_id"], predicted, "disturbance"),
                headers=product_headers("halo"),
            )
    finally:
        await atlas.stop()
    assert response.status_code == 200, response.text
    assert response.json()["retrain_queued"] is True
    assert seen_at_start == [(1, 1)]
