"""Load against a real ResQ process (model servers posting detections, dispatchers reading the
incident list), recording when each request started and ended and how it was answered, so a
test can tell clean failures from hung ones and measure recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from safewatch.resq.demo import BEACONS

VIOLENCE = "/api/ai/violence-detected/"
INCIDENTS = "/api/incidents/"
# Each beacon in turn gets a burst this long, then rests while the others get theirs: the rest
# outlasts a 1 s dedup window, so the load keeps opening new incidents as well as joining them.
BURST_SECONDS = 0.3
BEACON_IDS = [beacon_id for beacon_id, *_ in BEACONS]

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no answer (timeout, connection reset)
    body: object
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in (200, 201)

    @property
    def clean_failure(self) -> bool:
        """A 503 (try again) that says what went wrong in a JSON error body."""
        return self.status == 503 and isinstance(self.body, dict) and "error" in self.body


def beacon_at(moment: float) -> str:
    return BEACON_IDS[int(moment / BURST_SECONDS) % len(BEACON_IDS)]


def detection(token: str) -> Send:
    def send(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        body = {
            "beacon_id": beacon_at(time.monotonic()),
            "confidence_score": 0.9,
            "description": "Fight detected",
        }
        return client.post(VIOLENCE, json=body, headers={"Authorization": f"Bearer {token}"})

    return send


def incident_list(token: str) -> Send:
    def send(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        return client.get(INCIDENTS, headers={"Authorization": f"Bearer {token}"})

    return send


async def timed(kind: str, client: httpx.AsyncClient, send: Send) -> Outcome:
    started = time.monotonic()
    try:
        response = await send(client)
    except httpx.HTTPError as exc:
        return Outcome(kind, started, time.monotonic(), None, None, f"{type(exc).__name__}: {exc}")
    try:
        answer: object = response.json()
    except ValueError:
        answer = response.text[:200]
    return Outcome(kind, started, time.monotonic(), response.status_code, answer)


async def drive(
    kind: str, client: httpx.AsyncClient, send: Send, stop: asyncio.Event, into: list[Outcome]
) -> None:
    while not stop.is_set():
        into.append(await timed(kind, client, send))


def recovery_seconds(outcomes: list[Outcome], fault_at: float) -> float | None:
    """From a fault to the first success of a request sent after it (None: never)."""
    ends = [o.ended for o in outcomes if o.started >= fault_at and o.succeeded]
    return min(ends) - fault_at if ends else None
