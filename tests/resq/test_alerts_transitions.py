"""alerts/transitions.py: every alert move goes through one table and one compare-and-set."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.alerts.transitions import (
    ACKNOWLEDGED,
    ALERT_MOVES,
    CLOSED,
    DECLINED,
    EXPIRED,
    SENT,
    IllegalAlertMove,
    alerts,
    move_alert,
    move_alerts,
)
from safewatch.resq.models import GuardAlert

FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}


def test_only_an_open_alert_moves_and_every_outcome_is_reachable() -> None:
    """Acknowledged, declined, expired and closed are final; each is one move from SENT."""
    assert {start for start, _ in ALERT_MOVES} == {SENT}
    assert {end for _, end in ALERT_MOVES} == {ACKNOWLEDGED, DECLINED, EXPIRED, CLOSED}


async def test_a_move_outside_the_table_is_a_programming_error(resq: ServiceRuntime) -> None:
    async with resq.db.transaction() as session:
        with pytest.raises(IllegalAlertMove, match="from CLOSED to SENT"):
            await move_alerts(session, alerts.c.id == 1, from_=CLOSED, to=SENT, now=None)  # type: ignore[arg-type]


async def test_of_two_racing_moves_the_second_finds_nothing(
    client: httpx.AsyncClient, resq: ServiceRuntime, clock: FrozenClock
) -> None:
    assert (await client.post("/api/ai/violence-detected/", json=FIGHT)).status_code == 201
    async with resq.db.transaction() as session:
        now = clock.now()
        assert await move_alert(session, 1, from_=SENT, to=DECLINED, now=now)
        assert not await move_alert(session, 1, from_=SENT, to=EXPIRED, now=now)
        status = await session.scalar(select(GuardAlert.status).where(GuardAlert.id == 1))
        assert status == DECLINED
