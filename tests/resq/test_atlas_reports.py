"""ResQ reports each new campus incident to Atlas (product resq) through a durable job: once,
whatever the retries, with coordinates and what was detected but no student's words."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from safewatch.atlas.models import Threat
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.app import build_resq
from safewatch.resq.auth.service import set_passwords
from safewatch.resq.demo import DEMO_USERNAMES, seed_demo_campus
from safewatch.resq.models import jobs
from safewatch.resq.settings import ResqSettings
from tests.atlas.conftest import KEYS, atlas, atlas_settings
from tests.halo.conftest import SwitchableAtlas

__all__ = ["atlas", "atlas_settings"]
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"}


@pytest.fixture
async def resq_to_atlas(
    database_url: Callable[[str], str], tmp_path: Path, clock: FrozenClock, atlas: ServiceRuntime
) -> AsyncIterator[tuple[ServiceRuntime, SwitchableAtlas]]:
    settings = ResqSettings(
        database_url=database_url("resq"),
        data_dir=tmp_path,
        atlas_api_url="http://atlas",
        atlas_api_key=KEYS["resq"],
    )
    link = SwitchableAtlas(atlas.app)
    runtime = build_resq(settings, clock=clock, atlas_transport=link)
    await runtime.start()
    async with runtime.db.transaction() as session:
        await seed_demo_campus(session, clock.now())
        await set_passwords(session, DEMO_USERNAMES, "student-password")
    yield runtime, link
    await runtime.stop()


async def stored_threats(atlas: ServiceRuntime) -> list[Threat]:
    async with atlas.db.sessions() as session:
        return list((await session.execute(select(Threat))).scalars())


def client(runtime: ServiceRuntime) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app), base_url="http://r")


async def test_a_detection_reaches_atlas_once_as_product_resq(
    resq_to_atlas: tuple[ServiceRuntime, SwitchableAtlas], atlas: ServiceRuntime, clock: FrozenClock
) -> None:
    resq, _ = resq_to_atlas
    async with client(resq) as http:
        created = await http.post("/api/ai/violence-detected/", json=FIGHT)
        joined = await http.post("/api/ai/violence-detected/", json=FIGHT)
    assert (created.status_code, joined.status_code) == (201, 200)
    await resq.worker.drain()
    [threat] = await stored_threats(atlas)
    assert threat.product == "resq"
    assert threat.reference == created.json()["incident_id"]
    assert threat.category in ("violence", "weapons")
    assert (threat.latitude, threat.longitude) == (59.34961, 18.07062)
    assert "Library 3F Entrance: Fight" in threat.text
    # The job run again (a retry after a lost answer) leaves Atlas with the same one threat.
    async with resq.db.transaction() as session:
        await session.execute(
            jobs.update().values(status="pending", run_at=resq.worker.clock.now())
        )
    await resq.worker.drain()
    assert len(await stored_threats(atlas)) == 1


async def test_an_sos_is_reported_without_the_students_words(
    resq_to_atlas: tuple[ServiceRuntime, SwitchableAtlas], atlas: ServiceRuntime
) -> None:
    resq, _ = resq_to_atlas
    async with client(resq) as http:
        token = await http.post(
            "/api/auth/token/", json={"username": "student1", "password": "student-password"}
        )
        sos = await http.post(
            "/api/sos/",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            json={"beacon_id": "safe:uuid:701:701", "text": "I am Stella, call 070-123 45 67"},
        )
    assert sos.status_code == 201
    await resq.worker.drain()
    [threat] = await stored_threats(atlas)
    assert "SOS" in threat.text and "Main Quad" in threat.text
    assert "Stella" not in threat.text and "070" not in threat.text


async def test_atlas_down_is_retried_until_it_is_back(
    resq_to_atlas: tuple[ServiceRuntime, SwitchableAtlas], atlas: ServiceRuntime, clock: FrozenClock
) -> None:
    resq, link = resq_to_atlas
    link.mode = "down"
    async with client(resq) as http:
        assert (await http.post("/api/ai/violence-detected/", json=FIGHT)).status_code == 201
    await resq.worker.drain()
    assert await stored_threats(atlas) == []
    async with resq.db.sessions() as session:
        [job] = (
            await session.execute(jobs.select().where(jobs.c.kind == "resq.report_to_atlas"))
        ).all()
    assert (job.status, job.attempts) == ("pending", 1)
    link.mode = "up"
    clock.advance(seconds=3600)
    await resq.worker.drain()
    assert len(await stored_threats(atlas)) == 1


async def test_reporting_is_off_without_an_atlas_key(
    database_url: Callable[[str], str], tmp_path: Path, clock: FrozenClock
) -> None:
    runtime = build_resq(
        ResqSettings(database_url=database_url("resq"), data_dir=tmp_path), clock=clock
    )
    async with runtime.db.transaction() as session:
        await seed_demo_campus(session, clock.now())
    async with client(runtime) as http:
        assert (await http.post("/api/ai/violence-detected/", json=FIGHT)).status_code == 201
    async with runtime.db.sessions() as session:
        kinds = {row.kind for row in (await session.execute(jobs.select())).all()}
    assert "resq.report_to_atlas" not in kinds
    await runtime.stop()
