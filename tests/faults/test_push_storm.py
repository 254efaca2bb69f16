"""A push provider storm: detections at every beacon at once, every on-duty guard with a phone,
and FCM answering 503, or 429 with Retry-After, to a share of the sends, and UNREGISTERED for
phones that are gone. ResQ's promise, checked on what it recorded: every alerted guard's phone
got the alert before the alert stopped being open (escalation passed it on), or the incident's
timeline says why it did not (the guard could not be reached, and the next guard was alerted;
or escalation names the alerts that never arrived)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from safewatch.resq.demo import BEACONS
from tests.faults.peer_resq import DEMO_PASSWORD, Record, read_record, resq_with_fcm
from tests.resq.fake_fcm import (
    FakeFcm,
    SendRequest,
    ok,
    quota_exceeded,
    unavailable,
    unregistered,
)

pytestmark = [pytest.mark.server, pytest.mark.alone]

ACK_TIMEOUT_S = 5  # the shortest ResQ allows: two rounds of escalation take ~10 s
ROUNDS = 2
SETTLE_WITHIN_S = 60.0
# Each guard's phones; the "old-" ones were uninstalled and FCM answers UNREGISTERED.
PHONES = {
    "guard1": ["phone-of-guard1-0001"],
    "guard2": ["old-phone-of-guard2-01", "phone-of-guard2-0001"],
    "guard3": ["old-phone-of-guard3-01"],  # nothing else: guard3 cannot be reached
    "guard4": ["phone-of-guard4-0001"],
    "guard5": ["phone-of-guard5-0001"],
    "guard6": ["phone-of-guard6-0001"],
}
# 2 of every 5 sends fail and must be retried: a 503, and a 429 asking for a second's pause.
STORM = (unavailable(), ok(), quota_exceeded("1"), ok(), ok())
# guard4's first send is told to wait longer than the alert stays open.
HELD_BACK, HOLD_S = "phone-of-guard4-0001", str(2 * ACK_TIMEOUT_S)


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    with FakeFcm().serve() as fake:
        yield fake


@pytest.fixture
def resq(
    database_url: Callable[[str], str], tmp_path: Path, fake_fcm: FakeFcm
) -> Iterator[tuple[str, str]]:
    url = database_url("resq")
    settings = {
        "RESQ_ACK_TIMEOUT_SECONDS": str(ACK_TIMEOUT_S),
        "RESQ_ESCALATION_ROUNDS": str(ROUNDS),
        "RESQ_WORKER_POLL_SECONDS": "0.2",
    }
    with resq_with_fcm(url, tmp_path, fake_fcm.url, **settings) as base:
        yield base, url


async def register_phones(client: httpx.AsyncClient) -> None:
    async def register(guard: str, tokens: list[str]) -> None:
        signed = await client.post(
            "/api/auth/token/", json={"username": guard, "password": DEMO_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        for token in tokens:
            response = await client.post(
                "/api/guards/me/devices/", json={"token": token}, headers=headers
            )
            assert response.status_code == 201, response.text

    await asyncio.gather(*(register(guard, tokens) for guard, tokens in PHONES.items()))


async def settled(database_url: str, incidents: set[str]) -> Record:
    """Wait until no job is left and every incident reached the dispatchers (nobody accepts)."""
    started = time.monotonic()
    while True:
        record = await read_record(database_url)
        dispatched = {str(e.incident_id) for e in record.events_of("dispatch_needed")}
        if incidents <= dispatched and all(j.status != "pending" for j in record.jobs):
            # Quiet now; read once more, as that read's statements may have straddled the last
            # commits (PostgreSQL gives each statement of a session its own snapshot).
            return await read_record(database_url)
        assert time.monotonic() - started < SETTLE_WITHIN_S, "the storm never settled"
        await asyncio.sleep(0.5)


def alert_sends(fake_fcm: FakeFcm, alert_id: int) -> list[SendRequest]:
    return [s for s in fake_fcm.sends if s.body["message"]["data"]["alert_id"] == str(alert_id)]


def why_not_reached(record: Record) -> dict[int, str]:
    """Alert id -> what the timeline says about an alert that reached no phone."""
    said = {e.data["alert_id"]: e.reason for e in record.events_of("guard_unreachable")}
    for event in record.events_of("escalated"):
        for alert_id in event.data.get("undelivered_alert_ids", []):
            said.setdefault(alert_id, event.reason)
    return said


async def test_every_alerted_guard_is_reached_or_the_timeline_says_why(
    resq: tuple[str, str], fake_fcm: FakeFcm
) -> None:
    base, database_url = resq
    for gone in ("old-phone-of-guard2-01", "old-phone-of-guard3-01"):
        fake_fcm.script(*[unregistered()] * 100, token=gone)
    fake_fcm.script(quota_exceeded(HOLD_S), token=HELD_BACK)
    fake_fcm.script(*STORM * 40)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await register_phones(client)
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/ai/violence-detected/",
                    json={"beacon_id": beacon[0], "confidence_score": 0.93, "description": "Fight"},
                )
                for beacon in BEACONS
            )
        )
    assert [r.status_code for r in responses] == [201] * len(BEACONS)
    record = await settled(database_url, {r.json()["incident_id"] for r in responses})

    said = why_not_reached(record)
    late = []
    for alert in record.alerts:
        assert alert.status == "EXPIRED"  # nobody accepted: every alert was passed on
        reached = record.delivered_at(alert.id)
        if reached is None or reached > alert.updated_at:
            late.append(alert)
            assert alert.id in said, (record.guard_of[alert.guard_id], alert.id)

    # A guard whose only phone FCM calls gone is reported at once and replaced, not left to time
    # out. Once the phone is deleted, guard3 has none: later alerts wait for the web console,
    # and escalation names them as never delivered.
    unreachable = record.events_of("guard_unreachable")
    passed_over = {e.data["alert_id"]: e.reason for e in unreachable}
    for alert in record.alerts:
        guard = record.guard_of[alert.guard_id]
        if alert.id in passed_over:
            assert guard == "guard3", guard
        elif guard == "guard3":
            assert alert.id in said, alert.id
    assert any("UNREGISTERED" in why for why in passed_over.values())
    for event in unreachable:  # ... by the next nearest guard, or the dispatchers
        timeline = record.events[event.incident_id]
        instead = [e for e in timeline if e.data.get("instead_of") == event.data["alert_id"]]
        if instead:
            [replacement] = instead[0].data["alert_ids"]
            alerted = {a.id: a for a in record.alerts}[replacement]
            assert alerted.incident_id == event.incident_id
            assert record.guard_of[alerted.guard_id] != "guard3"
        else:
            assert "dispatch_needed" in [e.kind for e in timeline]
    assert "old-phone-of-guard3-01" not in record.tokens
    assert "old-phone-of-guard2-01" not in record.tokens
    assert all(job.status == "done" for job in record.jobs)

    # Told to wait past the alert's round, the push is not sent after escalation passed the
    # alert on; escalation names it as never delivered.
    [held] = [s for s in fake_fcm.sends if s.reply.headers.get("Retry-After") == HOLD_S]
    held_alert = int(held.body["message"]["data"]["alert_id"])
    assert [s.reply.status for s in alert_sends(fake_fcm, held_alert)] == [429]
    assert held_alert in {
        alert_id
        for e in record.events_of("escalated")
        for alert_id in e.data["undelivered_alert_ids"]
    }

    waits = sorted(
        (record.delivered_at(a.id) - a.created_at).total_seconds()
        for a in record.alerts
        if record.delivered_at(a.id) is not None
    )
    statuses = [s.reply.status for s in fake_fcm.sends]
    print(
        f"\n{len(record.alerts)} alerts, {len(fake_fcm.sends)} FCM sends "
        f"({statuses.count(503)} x 503, {statuses.count(429)} x 429, "
        f"{statuses.count(404)} x UNREGISTERED); first delivery after p50 "
        f"{waits[len(waits) // 2]:.2f} s, max {waits[-1]:.2f} s; {len(late)} alerts not reached "
        f"in time ({len(unreachable)} unreachable guards reported)"
    )
