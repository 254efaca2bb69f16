"""Escalation: an incident nobody accepts within the acknowledgement timeout passes to the next
nearest guards (ranks 4-6, then 7-9, ...), and after the last round to the dispatchers.

Timers are durable jobs, so a restart loses none. The round advances by compare-and-set on the
incident row (locked first, as acceptance does), so an escalation and an acceptance racing each
other have exactly one winner: a guard whose alert expired gets 409.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.jobs import Job
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork
from safewatch.resq.alerts.service import alert_round
from safewatch.resq.alerts.transitions import EXPIRED, move_open_alerts
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.incidents.constants import CREATED
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import Incident, NotificationAttempt
from safewatch.resq.realtime.audience import alerts_closed, incident_updated
from safewatch.resq.settings import ResqSettings

ESCALATE = "resq.escalate"
incidents = table_of(Incident)


async def schedule_escalation(
    uow: UnitOfWork, incident_id: uuid.UUID, *, round_: int, settings: ResqSettings
) -> None:
    await uow.enqueue(
        ESCALATE,
        {"incident_id": str(incident_id), "round": round_},
        run_at=uow.now + timedelta(seconds=settings.ack_timeout_seconds),
        dedup_key=f"escalate:{incident_id}:{round_}",
    )


async def escalate(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    round_: int,
    *,
    campus: CampusCache,
    settings: ResqSettings,
) -> str:
    """Advance an unanswered incident past `round_`: "answered", "escalated" or "dispatch"."""
    session, now = uow.session, uow.now
    beacon_id = (
        await session.execute(
            update(incidents)
            .where(
                incidents.c.id == incident_id,
                incidents.c.status == CREATED,
                incidents.c.escalation_round == round_,
            )
            .values(escalation_round=round_ + 1, updated_at=now)
            .returning(incidents.c.beacon_id)
        )
    ).scalar_one_or_none()
    if beacon_id is None:
        return "answered"  # accepted, closed or already escalated past this round
    expired = await move_open_alerts(session, incident_id, to=EXPIRED, now=now)
    undelivered = await never_pushed(session, expired)
    reason = f"no guard accepted within {settings.ack_timeout_seconds} s"
    if undelivered:
        reason += f"; {len(undelivered)} of {len(expired)} alerts reached no phone in time"
    await record(
        session,
        incident_id,
        "escalated",
        actor="system",
        now=now,
        round=round_,
        reason=reason,
        expired_alert_ids=expired,
        undelivered_alert_ids=undelivered,
    )
    await alerts_closed(uow, expired, reason="expired")
    if round_ < settings.escalation_rounds:
        alert_ids = await alert_round(uow, incident_id, beacon_id, campus, settings)
        if alert_ids:
            await record(
                session,
                incident_id,
                "guards_alerted",
                actor="system",
                now=now,
                alert_ids=alert_ids,
                round=round_ + 1,
            )
            await schedule_escalation(uow, incident_id, round_=round_ + 1, settings=settings)
            return "escalated"
    await dispatch_needed(uow, incident_id, reason="no guard accepted; dispatchers alerted")
    return "dispatch"


async def dispatch_needed(uow: UnitOfWork, incident_id: uuid.UUID, *, reason: str) -> None:
    """No guard is left to alert: the dispatchers' console shows the incident as theirs."""
    await record(
        uow.session, incident_id, "dispatch_needed", actor="system", now=uow.now, reason=reason
    )
    await incident_updated(uow, incident_id, change="dispatch_needed")


async def never_pushed(session: AsyncSession, alert_ids: list[int]) -> list[int]:
    """Those of these alerts that no push reached (yet): why their guards could not answer."""
    delivered = await session.execute(
        select(NotificationAttempt.alert_id).where(
            NotificationAttempt.alert_id.in_(alert_ids),
            NotificationAttempt.outcome == "delivered",
        )
    )
    reached = set(delivered.scalars().all())
    return [alert_id for alert_id in alert_ids if alert_id not in reached]


class EscalateJob:
    def __init__(self, units: UnitsOfWork, campus: CampusCache, settings: ResqSettings) -> None:
        self.units, self.campus, self.settings = units, campus, settings

    async def __call__(self, job: Job) -> None:
        async with self.units.begin() as uow:
            await escalate(
                uow,
                uuid.UUID(job.payload["incident_id"]),
                int(job.payload["round"]),
                campus=self.campus,
                settings=self.settings,
            )
