"""Atlas misbehaving while a real Halo process takes reports: refused, black-holed, slow-drip
and garbage answers, each met by a burst of concurrent reports. No report may be lost or wait
past Halo's deadline, none may keep a bad answer as its classification, and every one must
reach Atlas, once per incident, after Atlas recovers."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from safewatch.core.db import Database
from safewatch.core.testing.servers import serve_process
from safewatch.halo.incidents.service import ATLAS_SYNC
from safewatch.halo.models import CrimeIncident, jobs
from tests.faults.peer_bad_atlas import GARBAGE, BadAtlas
from tests.halo.fake_atlas import FakeAtlas, running_fake

pytestmark = [pytest.mark.server, pytest.mark.alone]

BATCH = 20
DEADLINE_MS = 500
# Past the deadline a report is still classified by keywords and written: 20 at once on SQLite's
# one connection, on a shared 2-core machine (measured up to 0.55 s over). What this catches is a
# wait for the client's whole timeout (3 s here) or for a drip (15 s and more).
MARGIN_S = 1.0
SYNC_WITHIN_S = 30.0
CLASSIFY = "/api/v1/classify/threat"
STOCKHOLM = {"latitude": 59.3293, "longitude": 18.0686}


@pytest.fixture
def healthy_atlas() -> Iterator[tuple[FakeAtlas, str]]:
    atlas = FakeAtlas()
    with running_fake(atlas) as url:
        yield atlas, url


@pytest.fixture
def bad_atlas(healthy_atlas: tuple[FakeAtlas, str]) -> Iterator[BadAtlas]:
    with BadAtlas(healthy_atlas[1]).running() as bad:
        yield bad


@pytest.fixture
def halo(
    database_url: Callable[[str], str], tmp_path: Path, bad_atlas: BadAtlas
) -> Iterator[tuple[str, str]]:
    """A real Halo process whose Atlas is the bad one; yields (base URL, database URL)."""
    url = database_url("halo")
    env = {
        "HALO_DATABASE_URL": url,
        "HALO_ATLAS_DEADLINE_MS": str(DEADLINE_MS),
        "HALO_REPORT_RATE_LIMIT": "100000/minute",
        "HALO_WORKER_POLL_SECONDS": "0.2",
        "ATLAS_API_URL": bad_atlas.url,
        "ATLAS_API_KEY": "halo-fault-test-key",
        "ATLAS_TIMEOUT": "3",  # a sync job's whole call (creation has its 500 ms deadline)
        "ATLAS_COOLDOWN_SECONDS": "1",  # production's 30 s would only slow the recovery down
    }
    with serve_process("halo", data_dir=tmp_path, env=env) as base:
        yield base, url


async def report_batch(base: str, label: str) -> tuple[list[httpx.Response], list[float]]:
    """BATCH reports at once; each one's answer and how long it took."""

    async def report(client: httpx.AsyncClient, i: int) -> tuple[httpx.Response, float]:
        body = {"description": f"Gunshots heard by the station ({label} {i})", **STOCKHOLM}
        started = time.perf_counter()
        response = await client.post(f"{base}/api/v1/incidents", json=body)
        return response, time.perf_counter() - started

    limits = httpx.Limits(max_connections=BATCH, max_keepalive_connections=BATCH)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        results = await asyncio.gather(*(report(client, i) for i in range(BATCH)))
    return [r for r, _ in results], [s for _, s in results]


def p99(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


async def stored(db_url: str, ids: list[uuid.UUID]) -> tuple[list[Any], dict[str, Any]]:
    """The incidents as stored, and the sync job of each (by incident id)."""
    db = Database(db_url)
    try:
        async with db.sessions() as session:
            rows = (
                (await session.execute(select(CrimeIncident).where(CrimeIncident.id.in_(ids))))
                .scalars()
                .all()
            )
            syncs = (await session.execute(select(jobs).where(jobs.c.kind == ATLAS_SYNC))).all()
    finally:
        await db.dispose()
    return list(rows), {row.payload["incident_id"]: row for row in syncs}


async def wait_synced(db_url: str, ids: list[uuid.UUID]) -> float:
    """Seconds until the sync job of every incident is done (what it stored is checked after)."""
    started = time.perf_counter()
    while True:
        incidents, syncs = await stored(db_url, ids)
        pending = [i for i in incidents if syncs[str(i.id)].status != "done"]
        if not pending:
            return time.perf_counter() - started
        assert time.perf_counter() - started < SYNC_WITHIN_S, f"{len(pending)} never synced"
        await asyncio.sleep(0.25)


async def test_reports_survive_every_kind_of_bad_atlas(
    halo: tuple[str, str], bad_atlas: BadAtlas, healthy_atlas: tuple[FakeAtlas, str]
) -> None:
    base, db_url = halo
    atlas = healthy_atlas[0]
    all_ids: list[uuid.UUID] = []
    for mode in ("refused", "blackhole", "drip", "garbage"):
        await bad_atlas.switch(mode)
        responses, seconds = await report_batch(base, mode)
        print(
            f"\n{mode}: p50 {sorted(seconds)[BATCH // 2]:.3f} s, p99 {p99(seconds):.3f} s, "
            f"max {max(seconds):.3f} s (deadline {DEADLINE_MS} ms)"
        )
        assert [r.status_code for r in responses] == [201] * BATCH, mode
        assert max(seconds) <= DEADLINE_MS / 1000 + MARGIN_S, (mode, sorted(seconds))
        ids = [uuid.UUID(r.json()["id"]) for r in responses]
        all_ids += ids

        incidents, syncs = await stored(db_url, ids)
        assert len(incidents) == BATCH
        for incident in incidents:  # the fallback's verdict, nothing of a bad answer
            assert (incident.classification_source, incident.fallback_reason) == (
                "fallback",
                "atlas_unavailable",
            )
            assert (incident.category, incident.severity) == ("weapons", 5)
            assert incident.atlas_threat_id is None and incident.atlas_classification is None
            assert syncs[str(incident.id)].status == "pending"
        if mode == "garbage":
            assert {k.removeprefix("garbage:") for k in bad_atlas.served} >= set(GARBAGE)
        elif mode != "refused":
            assert sum(n for k, n in bad_atlas.served.items() if k.startswith(mode)) >= BATCH

        await bad_atlas.switch("healthy")
        print(f"{mode}: all {BATCH} synced {await wait_synced(db_url, ids):.1f} s after recovery")
        incidents, syncs = await stored(db_url, ids)
        for incident in incidents:
            assert incident.classification_source == "atlas"
            assert incident.atlas_threat_id is not None
            assert syncs[str(incident.id)].status == "done"
        bad_atlas.served.clear()

    # Atlas holds each incident once, under its own key, and every request for it was the same.
    keys = {f"halo-incident-{i}" for i in all_ids}
    assert set(atlas.threats) == keys
    calls = atlas.calls(CLASSIFY)
    assert {c.headers["idempotency-key"] for c in calls} == keys
    per_key: dict[str, set[str]] = {}
    for call in calls:
        per_key.setdefault(call.headers["idempotency-key"], set()).add(str(call.body))
    assert all(len(bodies) == 1 for bodies in per_key.values())
    print(f"healthy Atlas: {len(calls)} classify calls for {len(keys)} incidents")
    incidents, syncs = await stored(db_url, all_ids)
    assert {job.status for job in syncs.values()} == {"done"}  # nothing dead-lettered
    assert len(syncs) == len(all_ids)
