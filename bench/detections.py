"""Detection load: the scenarios, the extra beacons they need, and a closed-loop load generator.

The load generator speaks just enough HTTP/1.1 over asyncio streams (keep-alive, one
connection per worker, Content-Length bodies). The client shares the machine with the server,
so its cost per request must be small next to the cheapest server: measured on a 2-core VM,
this client used 0.1 ms of CPU per request, httpx.AsyncClient about 8 ms, which capped the
baseline at a quarter of its real rate and would have flattered the ratio.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bench.cpu import CpuUse, sample, usage
from safewatch.core.db import Database
from safewatch.resq.models import Beacon

PATH = "/api/ai/violence-detected/"
HOT_BEACON = "safe:uuid:403:403"  # a demo beacon: Library 3F Entrance
CONFIDENCE = 0.9  # above the 0.75 violence threshold: every request opens or joins an incident
EXTRA_BEACONS = 500
CONCURRENCY = 64


@dataclass(frozen=True)
class Scenario:
    name: str
    beacon_ids: tuple[str, ...]  # requests go to these round robin


def extra_beacon_ids(count: int = EXTRA_BEACONS) -> tuple[str, ...]:
    return tuple(f"bench:beacon:{n:03d}" for n in range(count))


def hot_beacon() -> Scenario:
    return Scenario("ResQ, one hot beacon", (HOT_BEACON,))


def many_beacons() -> Scenario:
    return Scenario(f"ResQ, {EXTRA_BEACONS} beacons", extra_beacon_ids())


def baseline() -> Scenario:
    return Scenario("baseline: bare insert", (HOT_BEACON,))


async def seed_extra_beacons(database_url: str, count: int = EXTRA_BEACONS) -> None:
    """Beacons spread over ten buildings, five floors and ~400 m of campus around the demo's.

    They have no walking links, so ranking guards for one of them falls back to straight-line
    distance plus floor penalty for every guard, and the beacons table is 514 rows, not 14.
    """
    now = datetime.now(UTC)
    beacons = []
    for n, beacon_id in enumerate(extra_beacon_ids(count)):
        building = n % 10
        beacons.append(
            Beacon(
                beacon_id=beacon_id,
                location_name=f"Bench Block {building} Room {n}",
                building=f"Bench Block {building}",
                floor=(n // 10) % 5,
                latitude=59.3470 + 0.0004 * building + 0.00001 * (n % 37),
                longitude=18.0690 + 0.0006 * building + 0.00001 * (n % 41),
                active=True,
                created_at=now,
            )
        )
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            session.add_all(beacons)
    finally:
        await db.dispose()


def request_bytes(host: str, beacon_id: str) -> bytes:
    body = json.dumps(
        {
            "beacon_id": beacon_id,
            "confidence_score": CONFIDENCE,
            "description": "Fight detected near library entrance",
        }
    ).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Result:
    scenario: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: Counter[int] = field(default_factory=Counter)  # 0: connection failed
    error_samples: dict[int, str] = field(default_factory=dict)
    cpu: CpuUse | None = None  # over the measured window

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def per_second(self) -> float:
        """Successful (2xx) requests per second: errors are no work done, however fast."""
        return (self.requests - self.errors) / self.seconds

    def percentile_ms(self, fraction: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(fraction * len(ordered)))
        return ordered[rank - 1] * 1000


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects after any failure."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length, closing = parse_head(head)
        body = await self.reader.readexactly(length)
        if closing:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader, self.writer = None, None


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """(status, content length, server will close) from a response head."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, closing = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            closing = True
    return status, length, closing


async def run_load(
    base_url: str,
    scenario: Scenario,
    *,
    seconds: float,
    warmup: float,
    server_pid: int,
    postgres: bool = False,
    concurrency: int = CONCURRENCY,
) -> Result:
    """`concurrency` closed-loop workers: each sends its next request when the last returns.

    What counts is every answer that arrives inside the window, whenever its request was sent:
    throughput is completions per second. Requiring the request to start inside the window too
    would drop most answers when latency is a large part of the window (2 s of a 3 s window).
    """
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    requests = [request_bytes(url.netloc, beacon_id) for beacon_id in scenario.beacon_ids]
    next_request = itertools.cycle(requests)  # shared: one event loop, so no lock needed
    result = Result(scenario.name, seconds)
    opens = time.perf_counter() + warmup
    closes = opens + seconds
    workers = [
        _worker(Connection(host, port), next_request, result, opens, closes)
        for _ in range(concurrency)
    ]
    cpu = _sample_cpu(result, opens, closes, server_pid, postgres)
    await asyncio.gather(cpu, *workers)
    return result


async def _sample_cpu(
    result: Result, opens: float, closes: float, server_pid: int, postgres: bool
) -> None:
    await asyncio.sleep(opens - time.perf_counter())
    before = sample(server_pid, postgres=postgres)
    await asyncio.sleep(closes - time.perf_counter())
    result.cpu = usage(before, sample(server_pid, postgres=postgres))


async def _worker(
    connection: Connection,
    next_request: Iterator[bytes],
    result: Result,
    opens: float,
    closes: float,
) -> None:
    try:
        while (sent := time.perf_counter()) < closes:
            try:
                status, body = await connection.post(next(next_request))
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                await connection.close()
                status, body = 0, f"{type(exc).__name__}: {exc}".encode()
                await asyncio.sleep(0.01)  # do not spin if the server is gone
            done = time.perf_counter()
            if not opens <= done <= closes:
                continue
            result.statuses[status] += 1
            if 200 <= status < 300:
                result.latencies.append(done - sent)
            elif status not in result.error_samples:
                result.error_samples[status] = body[:300].decode("utf-8", "replace")
    finally:
        await connection.close()


def outcome_summary(result: Result, labels: Sequence[tuple[int, str]]) -> str:
    """E.g. '812 incident_created, 9 031 joined' from the status counts."""
    parts = [
        f"{result.statuses[code]:,} {label}" for code, label in labels if result.statuses[code]
    ]
    return ", ".join(parts)
