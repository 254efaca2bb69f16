"""Real-time latency: from a detection POST to the rank-1 guard's WebSocket hearing the alert.

Every on-duty demo guard signs in and holds one `/ws` socket. Detections go out open loop: at
a steady rate on a fixed schedule, each on its own task, so a slow answer never delays the next
send (a closed loop would send less as the server slows and hide the queueing). For each
incident a detection opens, the latency is the time the `alert.created` event with
`priority_rank` 1 reaches whichever guard socket gets it, minus the time its POST was written.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.cpu import CpuUse, sample, usage
from bench.detections import Connection, extra_beacon_ids, request_bytes
from safewatch.resq.demo import BEACONS, GUARDS

RATE = 50.0  # detections per second
DEADLINE = 2.0  # seconds: a rank-1 event later than this, or never, counts as missed
REQUEST_TIMEOUT = 10.0
# ResQ closes a keep-alive connection after 75 s idle (uvicorn's default was 5 s); reusing one
# it is closing just then would fail the request. Older ones are not reused, well clear of that.
KEEP_IDLE = 4.0
ON_DUTY_GUARDS = tuple(username for username, _, on_duty, _ in GUARDS if on_duty)


def server_env(password: str) -> dict[str, str]:
    """ResQ settings for this benchmark, on top of the caller's environment."""
    return {
        "SAFEWATCH_DEMO_PASSWORD": password,  # the bench signs the guards in with it
        "RESQ_AI_RATE_LIMIT": "1000000/minute",  # all detections come from 127.0.0.1
        # Each beacon comes round every ~10 s (514 beacons at 50/s), so with a 1 s window every
        # detection opens an incident and alerts guards; with 300 s most would join one.
        "RESQ_DEDUP_WINDOW_SECONDS": "1",
        # No escalation job falls due during the run: only the alerts being measured add load.
        "RESQ_ACK_TIMEOUT_SECONDS": "3600",
        # One process, in-process event bus, even if the caller's environment names a Redis.
        "REDIS_URL": "",
    }


def beacon_order() -> tuple[str, ...]:
    """The demo's 14 beacons (walking links) spread evenly among the 500 extra ones (none)."""
    demo = [beacon_id for beacon_id, *_ in BEACONS]
    extra = extra_beacon_ids()
    keyed = [((n + 0.5) / len(demo), b) for n, b in enumerate(demo)]
    keyed += [(n / len(extra), b) for n, b in enumerate(extra)]
    return tuple(beacon_id for _, beacon_id in sorted(keyed))


@dataclass
class Sent:
    """One detection: when it was due, when it went out, and what came back."""

    due: float
    measured: bool  # due inside the measured window, not the warm-up
    sent: float = math.nan
    answered: float = math.nan
    status: int = -1  # 0: connection failed or timed out
    incident_id: str | None = None
    error: str = ""


@dataclass
class RealtimeResult:
    backend: str
    seconds: float
    rate: float = RATE
    detections: int = 0  # due inside the measured window
    event_ms: list[float] = field(default_factory=list)  # per incident opened; inf: missed
    http_ms: list[float] = field(default_factory=list)  # 2xx answers
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: dict[str, str] = field(default_factory=dict)
    missed: int = 0  # incidents with no rank-1 event within DEADLINE
    worst_send_lag_ms: float = 0.0  # the client's own lateness against the schedule
    sockets: int = 0
    cpu: CpuUse | None = None

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        self.error_samples.setdefault(kind, detail[:300])


async def sign_in(base_url: str, password: str) -> list[str]:
    tokens = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for username in ON_DUTY_GUARDS:
            credentials = {"username": username, "password": password}
            response = await client.post("/api/auth/token/", json=credentials)
            response.raise_for_status()
            tokens.append(response.json()["access_token"])
    return tokens


async def open_socket(ws_url: str, token: str) -> ClientConnection:
    socket = await connect(f"{ws_url}/ws?token={token}", open_timeout=10)
    first = json.loads(await asyncio.wait_for(socket.recv(), 10))
    if first.get("type") != "ready":
        raise RuntimeError(f"expected a ready message first, got {first}")
    return socket


async def listen(socket: ClientConnection, arrivals: dict[str, float]) -> None:
    """Note when each incident's rank-1 alert.created first arrives, until the socket closes."""
    try:
        async for text in socket:
            arrived = time.perf_counter()
            message = json.loads(text)
            data = message.get("data") or {}
            if message.get("type") == "alert.created" and data.get("priority_rank") == 1:
                arrivals.setdefault(data["incident_id"], arrived)
    except ConnectionClosed:  # abnormal closure; a normal one just ends the loop
        return


Pool = list[tuple[Connection, float]]  # idle keep-alive connections, and since when


async def take(pool: Pool, host: str, port: int) -> Connection:
    """The most recently used idle connection the server is not closing, or a new one."""
    while pool:
        connection, idle_since = pool.pop()
        reader = connection.reader
        if reader and not reader.at_eof() and time.perf_counter() - idle_since < KEEP_IDLE:
            return connection
        await connection.close()
    return Connection(host, port)


async def post(pool: Pool, host: str, port: int, raw: bytes, record: Sent) -> None:
    """One POST on an idle keep-alive connection from the pool, or on a new one."""
    connection = await take(pool, host, port)
    record.sent = time.perf_counter()
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            status, body = await connection.post(raw)
    except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
        await connection.close()
        detail = f"no answer within {REQUEST_TIMEOUT:g} s" if isinstance(exc, TimeoutError) else exc
        record.status, record.error = 0, f"{type(exc).__name__}: {detail}"
        return
    record.answered = time.perf_counter()
    pool.append((connection, record.answered))
    record.status = status
    if 200 <= status < 300:
        record.incident_id = json.loads(body).get("incident_id")
    else:
        record.error = body.decode("utf-8", "replace")


async def run_realtime(
    base_url: str, password: str, *, backend: str, seconds: float, warmup: float, server_pid: int
) -> RealtimeResult:
    # A full collection in this process once stalled it ~75 ms mid-run, delaying sends and
    # arrival stamps alike. One run makes little garbage: collect before, not during.
    gc.collect()
    gc.disable()
    try:
        return await _run(base_url, password, backend, seconds, warmup, server_pid)
    finally:
        gc.enable()


async def _run(
    base_url: str, password: str, backend: str, seconds: float, warmup: float, server_pid: int
) -> RealtimeResult:
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    tokens = await sign_in(base_url, password)
    sockets = [await open_socket(f"ws://{url.netloc}", token) for token in tokens]
    arrivals: dict[str, float] = {}
    listeners = [asyncio.create_task(listen(socket, arrivals)) for socket in sockets]
    requests = [request_bytes(url.netloc, beacon_id) for beacon_id in beacon_order()]
    pool: Pool = []
    records: list[Sent] = []
    tasks = []
    start = time.perf_counter() + 0.05
    first_measured, total = round(warmup * RATE), round((warmup + seconds) * RATE)
    cpu_task = asyncio.create_task(
        sample_cpu(start + first_measured / RATE, start + total / RATE, server_pid, backend)
    )
    for n in range(total):
        due = start + n / RATE
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        records.append(record := Sent(due, n >= first_measured))
        raw = requests[n % len(requests)]
        tasks.append(asyncio.create_task(post(pool, host, port, raw, record)))
    await asyncio.gather(*tasks)
    # Every answer is in; give the last detection's event its full deadline too.
    await asyncio.sleep(max(0.0, max(r.sent for r in records) + DEADLINE - time.perf_counter()))
    result = RealtimeResult(backend, seconds, sockets=len(sockets), cpu=await cpu_task)
    for socket, listener in zip(sockets, listeners, strict=True):
        if listener.done():  # closed by the server while the run lasted
            result.error("WebSocket closed", f"code {socket.close_code}: {socket.close_reason}")
        await socket.close()
    await asyncio.gather(*listeners)
    for connection, _ in pool:
        await connection.close()
    summarise(result, records, arrivals)
    return result


async def sample_cpu(opens: float, closes: float, server_pid: int, backend: str) -> CpuUse | None:
    await asyncio.sleep(opens - time.perf_counter())
    before = sample(server_pid, postgres=backend == "postgres")
    await asyncio.sleep(closes - time.perf_counter())
    return usage(before, sample(server_pid, postgres=backend == "postgres"))


def summarise(result: RealtimeResult, records: list[Sent], arrivals: dict[str, float]) -> None:
    measured = [r for r in records if r.measured]
    result.detections = len(measured)
    result.worst_send_lag_ms = max((r.sent - r.due) * 1000 for r in measured)
    for record in measured:
        if not 200 <= record.status < 300:
            kind = "connection failed" if record.status == 0 else f"HTTP {record.status}"
            when = record.due - measured[0].due
            result.error(kind, f"(the first due {when:.1f} s into the window) {record.error}")
            continue
        result.http_ms.append((record.answered - record.sent) * 1000)
        if record.status != 201:
            result.outcomes["joined"] += 1  # no new incident, so no alert to wait for
            continue
        result.outcomes["created"] += 1
        arrived = arrivals.get(record.incident_id or "")
        latency = math.inf if arrived is None else arrived - record.sent
        if latency > DEADLINE:
            result.missed += 1
            latency = math.inf
        result.event_ms.append(latency * 1000)


def percentile_ms(values: list[float], fraction: float) -> float:
    """Nearest rank, as the detection bench; inf when it falls on a missed event."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
