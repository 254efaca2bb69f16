"""The push ledger's migration carries over the ledger the push jobs kept, so no alert's push
cap starts again (that the migrations match the models: test_migrations.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from alembic import command
from sqlalchemy import Connection, select

from safewatch.core.clock import FrozenClock
from safewatch.core.db import Database
from safewatch.core.db.migrations import alembic_config
from safewatch.core.jobs import enqueue
from safewatch.resq.demo import seed_demo_campus
from safewatch.resq.models import Guard, GuardAlert, Incident, Notification, jobs
from tests.migrations import MIGRATIONS


def migrate(connection: Connection, target: str) -> None:
    config = alembic_config(MIGRATIONS["resq"])
    config.attributes["connection"] = connection
    if target == "head":
        command.upgrade(config, target)
    else:
        command.downgrade(config, target)


async def before_the_ledger(db: Database, clock: FrozenClock) -> GuardAlert:
    """An alert pushed twice the old way (a job each) and a job that is no push."""
    now = clock.now()
    async with db.transaction() as session:
        await seed_demo_campus(session, now)
        guard_id = (await session.scalars(select(Guard.id).order_by(Guard.id))).first()
        incident = Incident(
            id=uuid.uuid4(),
            beacon_id="safe:uuid:403:403",
            status="CREATED",
            priority="High",
            created_at=now,
            updated_at=now,
            last_signal_at=now,
        )
        session.add(incident)
        await session.flush()
        alert = GuardAlert(
            incident_id=incident.id,
            guard_id=guard_id,
            priority_rank=1,
            status="SENT",
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
        await session.flush()
        for reason in ("alert", "escalated:High"):
            payload = {"alert_id": alert.id, "reason": reason}
            key = f"push:{alert.id}:{reason}"
            await enqueue(session, jobs, "resq.push_alert", payload, now=now, dedup_key=key)
        await enqueue(session, jobs, "resq.escalate", {}, now=now, dedup_key="escalate:x:1")
        return alert


async def test_the_ledger_starts_with_the_pushes_the_jobs_recorded(
    database_url: Callable[[str], str], clock: FrozenClock
) -> None:
    db = Database(database_url("resq"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0004")
        alert = await before_the_ledger(db, clock)
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "head")
        async with db.sessions() as session:
            rows = (await session.scalars(select(Notification).order_by(Notification.id))).all()
        assert [(n.alert_id, n.reason) for n in rows] == [
            (alert.id, "alert"),
            (alert.id, "escalated:High"),
        ]
        assert {(n.incident_id, n.guard_id, n.created_at) for n in rows} == {
            (alert.incident_id, alert.guard_id, clock.now())
        }
    finally:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "head")
        await db.dispose()
