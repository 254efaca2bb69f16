"""PostgreSQL terminates every connection of a real ResQ process while model servers post
detections and dispatchers read incidents: requests in flight fail cleanly (a JSON 503, never
a hang or a dropped connection), the service answers again within 5 s of each termination, and
no committed incident lacks the jobs it must have."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from safewatch.core.db import Database
from safewatch.core.testing.databases import PostgresDatabases
from safewatch.core.testing.servers import free_port, serve_process
from safewatch.resq.models import Incident
from tests.faults.pg_load import (
    Outcome,
    detection,
    drive,
    incident_list,
    recovery_seconds,
)

pytestmark = [pytest.mark.server, pytest.mark.alone]

AI_TOKEN = "pg-terminate-model-token"
DEMO_PASSWORD = "pg-terminate-demo-password"
MODEL_SERVERS = 10
DISPATCHERS = 2
TERMINATIONS = 3
FIRST_FAULT_AFTER = 1.0
BETWEEN_FAULTS = 1.5
RECOVERY_LIMIT = 5.0
# Far longer than any answer should take: a request without an answer by then hung.
REQUEST_TIMEOUT = 15.0
GUARDS_PER_ALERT = 3  # ResQ's default; the demo campus has six guards on duty

TERMINATE = text(
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = :database AND pid <> pg_backend_pid()"
)
# What dispatch/service.py queues with every new incident, by the jobs' dedup keys: a push
# per alerted guard, the first escalation timer, and (Atlas being configured) a report.
# (\\: is a literal colon in text(), not a bind parameter.)
ORPHANS = text(
    r"""
    SELECT id, escalation, atlas_report, alerts, pushes FROM (
        SELECT i.id::text AS id,
            EXISTS (SELECT 1 FROM jobs j WHERE j.dedup_key = 'escalate:' || i.id || '\:1')
                AS escalation,
            EXISTS (SELECT 1 FROM jobs j WHERE j.dedup_key = 'atlas-report:' || i.id)
                AS atlas_report,
            (SELECT count(*) FROM guard_alerts a WHERE a.incident_id = i.id) AS alerts,
            (SELECT count(*) FROM guard_alerts a
                JOIN jobs j ON j.dedup_key = 'push:' || a.id || '\:alert'
                WHERE a.incident_id = i.id) AS pushes
        FROM incidents i
    ) per_incident
    WHERE NOT escalation OR NOT atlas_report OR alerts <> :guards OR pushes <> alerts
    """
)


@pytest.fixture
def database(postgres_databases: PostgresDatabases) -> str:
    """ResQ's PostgreSQL database (never SQLite: under CI=true a missing server fails)."""
    return postgres_databases.url_for("resq")


@pytest.fixture
def resq_url(database: str, tmp_path: Path) -> Iterator[str]:
    env = {
        "RESQ_DATABASE_URL": database,
        "RESQ_AI_TOKEN": AI_TOKEN,
        "SAFEWATCH_DEMO_PASSWORD": DEMO_PASSWORD,
        "RESQ_AI_RATE_LIMIT": "1000000/minute",
        "RESQ_DEDUP_WINDOW_SECONDS": "1",
        # Reports to Atlas are on, so every incident must queue one; Atlas itself is down.
        "RESQ_ATLAS_API_URL": f"http://127.0.0.1:{free_port()}",
        "RESQ_ATLAS_API_KEY": "pg-terminate-atlas-key",
    }
    with serve_process("resq", data_dir=tmp_path, env=env, extra_args=("--demo",)) as url:
        yield url


async def terminate_backends(admin: Database, database: str) -> int:
    async with admin.transaction() as session:
        result = await session.execute(TERMINATE, {"database": database})
        return int(result.scalar_one())


async def wait_for_recovery(outcomes: list[Outcome], fault_at: float) -> None:
    deadline = fault_at + RECOVERY_LIMIT
    while time.monotonic() < deadline:
        if recovery_seconds(outcomes, fault_at) is not None:
            return
        await asyncio.sleep(0.05)


async def load_with_terminations(
    resq_url: str, admin: Database, database: str
) -> tuple[list[Outcome], list[tuple[float, int]]]:
    """Model servers post detections and dispatchers read incidents while PostgreSQL kills
    ResQ's sessions TERMINATIONS times. The outcomes, and (when, how many sessions killed)."""
    outcomes: list[Outcome] = []
    faults: list[tuple[float, int]] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(
        base_url=resq_url,
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=MODEL_SERVERS + DISPATCHERS),
    ) as client:
        signed_in = await client.post(
            "/api/auth/token/", json={"username": "dispatcher", "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        dispatcher = signed_in.json()["access_token"]
        load = [
            asyncio.create_task(drive("detect", client, detection(AI_TOKEN), stop, outcomes))
            for _ in range(MODEL_SERVERS)
        ] + [
            asyncio.create_task(drive("read", client, incident_list(dispatcher), stop, outcomes))
            for _ in range(DISPATCHERS)
        ]
        try:
            await asyncio.sleep(FIRST_FAULT_AFTER)
            for n in range(TERMINATIONS):
                if n:
                    await asyncio.sleep(BETWEEN_FAULTS)
                at = time.monotonic()
                faults.append((at, await terminate_backends(admin, database)))
            await wait_for_recovery(outcomes, faults[-1][0])
            await asyncio.sleep(0.5)  # and keep serving a little after it
        finally:
            stop.set()
            await asyncio.gather(*load)
    return outcomes, faults


async def test_resq_recovers_when_postgres_terminates_its_connections(
    resq_url: str,
    database: str,
    postgres_databases: PostgresDatabases,
    record_property: Callable[[str, object], None],
) -> None:
    admin = Database(postgres_databases.admin_url)
    try:
        outcomes, faults = await load_with_terminations(
            resq_url, admin, str(make_url(database).database)
        )
    finally:
        await admin.dispose()
    db = Database(database)
    try:
        async with db.transaction() as session:
            known = {str(i) for i in (await session.execute(select(Incident.id))).scalars()}
            orphans = (await session.execute(ORPHANS, {"guards": GUARDS_PER_ALERT})).all()
    finally:
        await db.dispose()

    recoveries = {
        kind: [recovery_seconds([o for o in outcomes if o.kind == kind], at) for at, _ in faults]
        for kind in ("detect", "read")
    }
    figures = {
        "statuses": dict(Counter((o.kind, o.status) for o in outcomes)),
        "sessions_terminated": [count for _, count in faults],
        "recovery_seconds": {
            kind: [None if r is None else round(r, 2) for r in values]
            for kind, values in recoveries.items()
        },
        "slowest_answer_seconds": round(max(o.ended - o.started for o in outcomes), 2),
        "incidents": len(known),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"PostgreSQL terminated ResQ's sessions {TERMINATIONS} times under load: {figures}")

    assert all(count > 0 for _, count in faults), "a termination found no ResQ session to kill"
    unanswered = [o for o in outcomes if o.status is None]
    assert not unanswered, f"{len(unanswered)} requests got no answer: {unanswered[:3]}"
    unclean = [o for o in outcomes if not o.succeeded and not o.clean_failure]
    assert not unclean, f"{len(unclean)} requests failed without a JSON 503: {unclean[:3]}"
    slow = [r for values in recoveries.values() for r in values if r is None or r > RECOVERY_LIMIT]
    assert not slow, f"no answer within {RECOVERY_LIMIT} s of a termination: {figures}"
    answered = {
        o.body["incident_id"]  # type: ignore[index]
        for o in outcomes
        if o.kind == "detect" and o.succeeded
    }
    assert known >= answered, "an answered detection's incident was lost"
    assert len(known) >= 2 * TERMINATIONS, "the load opened too few incidents to check"
    assert orphans == [], f"incidents without their jobs: {orphans[:5]}"
