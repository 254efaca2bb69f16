"""The push ledger (`notifications`) is what the push cap and the once-per-raise re-push read:
purging finished jobs resets neither. Push log lines name the guard (that they never carry the
device token: test_push_fcm.py, where tokens exist)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from safewatch.core.clock import FrozenClock
from safewatch.core.jobs.retention import purge_finished_jobs
from safewatch.core.service import ServiceRuntime
from safewatch.resq.alerts.service import renotify_alerted_guards
from safewatch.resq.dispatch.escalation import escalate
from safewatch.resq.models import GuardAlert, IncidentEvent, Notification, jobs
from safewatch.resq.settings import ResqSettings
from tests.resq.conftest import RecordingNotifier

Headers = Callable[[str], dict[str, str]]
BEACON = "safe:uuid:403:403"


@pytest.fixture
def resq_settings(resq_settings: ResqSettings) -> ResqSettings:
    return ResqSettings.model_validate({**resq_settings.model_dump(), "max_pushes_per_alert": 2})


async def purge_all_done_jobs(resq: ServiceRuntime, clock: FrozenClock) -> None:
    """What retention does after its days, at once: every finished job goes."""
    later = clock.now() + timedelta(seconds=1)
    assert await purge_finished_jobs(resq.db, jobs, finished_before=later) > 0
    assert await push_jobs(resq) == 0


async def raise_priority(client: httpx.AsyncClient, kind: str) -> None:
    raised = await client.post(
        f"/api/ai/{kind}-detected/",
        json={"beacon_id": BEACON, "confidence_score": 0.95, "description": kind},
    )
    assert raised.status_code == 200


async def open_sos(client: httpx.AsyncClient, signed_in: Headers) -> uuid.UUID:
    sos = await client.post("/api/sos/", headers=signed_in("student1"), json={"beacon_id": BEACON})
    assert sos.json()["incident_priority"] == "Medium"
    return uuid.UUID(sos.json()["incident_id"])


async def push_jobs(resq: ServiceRuntime) -> int:
    async with resq.db.sessions() as session:
        return int(
            await session.scalar(select(func.count()).where(jobs.c.kind == "resq.push_alert")) or 0
        )


async def ledger(resq: ServiceRuntime) -> Counter[int]:
    async with resq.db.sessions() as session:
        rows = (await session.scalars(select(Notification))).all()
    clock = resq.app.state.resq.clock
    assert {row.created_at for row in rows} == {clock.now()}
    return Counter(row.alert_id for row in rows)


async def test_purging_finished_jobs_resets_no_push_cap(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    notifier: RecordingNotifier,
    signed_in: Headers,
    clock: FrozenClock,
) -> None:
    await open_sos(client, signed_in)
    [opened] = [
        a["id"] for a in (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()
    ]
    await raise_priority(client, "scream")  # Medium -> High: the unopened reach the cap of 2
    await resq.worker.drain()
    await purge_all_done_jobs(resq, clock)

    await raise_priority(client, "violence")  # High -> Critical
    await resq.worker.drain()
    pushes = Counter(int(m.data["alert_id"]) for m in notifier.sent)
    assert pushes[opened] == 3  # opened: every raise still reaches this guard
    assert sorted(count for alert_id, count in pushes.items() if alert_id != opened) == [2, 2]
    assert await ledger(resq) == pushes


async def test_purging_finished_jobs_repeats_no_escalation(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    notifier: RecordingNotifier,
    signed_in: Headers,
    clock: FrozenClock,
) -> None:
    incident_id = await open_sos(client, signed_in)
    await raise_priority(client, "scream")
    await resq.worker.drain()
    pushed = len(notifier.sent)
    assert pushed == 6  # three alerts, each pushed for the alert and for the raise to High
    await purge_all_done_jobs(resq, clock)
    context = resq.app.state.resq
    async with context.units.begin() as uow:  # the same raise handled a second time
        await renotify_alerted_guards(uow, incident_id, "High", max_pushes=10)
    assert await push_jobs(resq) == 0, "the ledger, not a purged job, says it was queued"
    await resq.worker.drain()
    assert len(notifier.sent) == pushed

    clock.advance(60)  # nobody accepted: round 1 passes to the next three guards
    await resq.worker.drain()
    pushed = len(notifier.sent)
    await purge_all_done_jobs(resq, clock)
    async with context.units.begin() as uow:  # round 1's timer firing a second time
        again = await escalate(
            uow, incident_id, 1, campus=context.campus, settings=context.settings
        )
    assert again == "answered"
    await resq.worker.drain()
    assert len(notifier.sent) == pushed
    async with resq.db.sessions() as session:
        alerts = (await session.scalars(select(GuardAlert.priority_rank))).all()
        kinds = (await session.scalars(select(IncidentEvent.kind))).all()
    assert sorted(alerts) == [1, 2, 3, 4, 5, 6]
    assert kinds.count("escalated") == 1


async def test_push_log_lines_name_the_guard_the_alert_and_the_incident(
    client: httpx.AsyncClient, resq: ServiceRuntime, signed_in: Headers
) -> None:
    incident_id = await open_sos(client, signed_in)
    with capture_logs() as logs:
        assert await resq.worker.drain() == 3
    lines = [line for line in logs if line["event"] == "push_attempt"]
    assert len(lines) == 3
    guards = {line["guard"] for line in lines}
    assert len(guards) == 3 and "guard3" in guards  # the nearest to the SOS
    assert all(line["incident_id"] == str(incident_id) and line["alert_id"] for line in lines)
