"""dispatch/service.py: only a signal that opened an incident dispatches it, whoever sent it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.dispatch.service import dispatch_if_new
from safewatch.resq.incidents.service import attach_signal
from safewatch.resq.models import GuardAlert, IncidentEvent

BEACON = "safe:uuid:403:403"


async def test_an_opening_signal_dispatches_and_a_joining_one_does_not(
    resq: ServiceRuntime, clock: FrozenClock
) -> None:
    context = resq.app.state.resq
    outcomes = []
    async with context.units.begin() as uow:
        for actor in ("ai:violence", "student1"):
            attached = await attach_signal(
                uow.session,
                beacon_id=BEACON,
                priority="High",
                now=clock.now(),
                window=timedelta(seconds=60),
            )
            dispatched = await dispatch_if_new(
                uow,
                attached,
                beacon_id=BEACON,
                actor=actor,
                campus=context.campus,
                settings=context.settings,
            )
            outcomes.append((attached.incident_id, dispatched))
    [(first, opened), (second, joined)] = outcomes
    assert first == second and opened and not joined
    async with resq.db.transaction() as session:
        kinds = await session.scalars(
            select(IncidentEvent.kind).where(IncidentEvent.incident_id == first)
        )
        alerts = await session.scalar(select(func.count()).select_from(GuardAlert))
    assert list(kinds) == ["created", "guards_alerted"]
    assert alerts == context.settings.guards_per_alert
