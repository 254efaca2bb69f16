"""Real-time events over /ws: real sockets, real WebSocket clients, both databases, and Redis
fan-out between two `safewatch serve` processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from safewatch.core.clock import FrozenClock
from safewatch.core.events import Event
from safewatch.core.service import ServiceRuntime
from safewatch.core.testing.servers import free_port, serve_process
from safewatch.resq.realtime import router as realtime_router
from safewatch.resq.realtime.hub import Hub
from tests.core.test_redis_bus import reachable_redis_url
from tests.resq.conftest import DEMO_PASSWORD

Headers = Callable[[str], dict[str, str]]
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"}


class _InLoopServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # pytest owns the signals


@pytest.fixture
async def live(resq: ServiceRuntime, signed_in: Headers) -> AsyncIterator[str]:
    """The test's ResQ on a real loopback port, in this event loop (so its clock is ours)."""
    for hook in resq.on_start:
        await hook()
    port = free_port()
    config = uvicorn.Config(
        resq.app,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="websockets-sansio",
    )
    server = _InLoopServer(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # uvicorn offers a flag, not an event
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def receive(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[no-any-return]


async def receive_many(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [await receive(ws) for _ in range(count)]


async def assert_quiet(ws: ClientConnection) -> None:
    """Nothing is queued for this socket: the answer to a ping is the very next message.
    (Callers first wait for the event at its intended recipients, so it has been delivered.)"""
    await ws.send(json.dumps({"type": "ping"}))
    assert await receive(ws) == {"type": "pong"}


async def close_code(ws: ClientConnection) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        await receive(ws)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def open_sockets(
    stack: AsyncExitStack, url: str, tokens: dict[str, str]
) -> dict[str, ClientConnection]:
    sockets = {}
    for username, token in tokens.items():
        ws = await stack.enter_async_context(connect(f"ws://{url}/ws?token={token}", proxy=None))
        assert (await receive(ws))["type"] == "ready"
        sockets[username] = ws
    return sockets


USERS = ("guard3", "guard2", "guard1", "guard5", "student1", "dispatcher")


async def test_a_detection_reaches_the_ranked_guards_and_dispatchers_only(
    live: str, signed_in: Headers
) -> None:
    async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=f"http://{live}") as http:
        ws = await open_sockets(stack, live, {u: token_of(signed_in(u)) for u in USERS})
        incident_id = (await http.post("/api/ai/violence-detected/", json=FIGHT)).json()[
            "incident_id"
        ]
        for rank, guard in enumerate(("guard3", "guard2", "guard1"), start=1):
            event = await receive(ws[guard])
            assert event["type"] == "alert.created"
            assert event["data"] == {
                "alert_id": event["data"]["alert_id"],
                "incident_id": incident_id,
                "priority": "Critical",
                "priority_rank": rank,
                "location_name": "Library 3F Entrance",
            }
        seen = await receive_many(ws["dispatcher"], 3)
        assert [(e["type"], e["data"]["priority_rank"]) for e in seen] == [
            ("alert.created", 1),
            ("alert.created", 2),
            ("alert.created", 3),
        ]
        for user in ("guard5", "student1", "dispatcher", "guard3"):
            await assert_quiet(ws[user])


async def test_accept_closes_the_other_alerts_and_updates_everyone_involved(
    live: str, signed_in: Headers
) -> None:
    async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=f"http://{live}") as http:
        ws = await open_sockets(stack, live, {u: token_of(signed_in(u)) for u in USERS})
        await http.post("/api/ai/violence-detected/", json=FIGHT)
        alerts = {g: (await receive(ws[g]))["data"] for g in ("guard3", "guard2", "guard1")}
        await receive_many(ws["dispatcher"], 3)
        accepted = await http.post(
            f"/api/alerts/{alerts['guard3']['alert_id']}/acknowledge/", headers=signed_in("guard3")
        )
        assert accepted.status_code == 200, accepted.text
        updated = {
            "incident_id": alerts["guard3"]["incident_id"],
            "change": "accepted",
            "status": "ASSIGNED",
            "priority": "Critical",
            "assigned_guard": "Robin Guard",
        }
        for guard in ("guard2", "guard1"):
            closed, update = await receive_many(ws[guard], 2)
            assert closed["type"] == "alert.closed"
            assert closed["data"]["alert_id"] == alerts[guard]["alert_id"]
            assert (closed["data"]["status"], closed["data"]["reason"]) == ("CLOSED", "taken")
            assert update == {"type": "incident.updated", "data": updated}
        assert await receive(ws["guard3"]) == {"type": "incident.updated", "data": updated}
        dispatch = await receive_many(ws["dispatcher"], 3)
        assert [e["type"] for e in dispatch] == ["alert.closed"] * 2 + ["incident.updated"]
        for user in USERS:
            await assert_quiet(ws[user])


async def test_cancel_tells_the_alerted_guards(live: str, signed_in: Headers) -> None:
    async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=f"http://{live}") as http:
        ws = await open_sockets(stack, live, {"guard1": token_of(signed_in("guard1"))})
        incident_id = (await http.post("/api/ai/scream-detected/", json=FIGHT)).json()[
            "incident_id"
        ]
        assert (await receive(ws["guard1"]))["type"] == "alert.created"
        await http.post(
            f"/api/incidents/{incident_id}/cancel/",
            headers=signed_in("dispatcher"),
            json={"reason": "False alarm: cheering"},
        )
        closed, update = await receive_many(ws["guard1"], 2)
        assert (closed["type"], closed["data"]["reason"]) == ("alert.closed", "cancelled")
        assert update["data"]["status"] == "CANCELLED" and update["data"]["change"] == "cancelled"


async def test_auth_by_first_message_then_ping_pong(live: str, signed_in: Headers) -> None:
    async with connect(f"ws://{live}/ws", proxy=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token_of(signed_in("guard2"))}))
        assert await receive(ws) == {"type": "ready", "user": "guard2", "role": "guard"}
        await assert_quiet(ws)


async def test_bad_tokens_close_with_4401(
    live: str, signed_in: Headers, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = token_of(signed_in("dispatcher"))[:-3] + "abc"
    async with connect(f"ws://{live}/ws?token={forged}", proxy=None) as ws:
        code, reason = await close_code(ws)
        assert code == 4401 and reason.startswith("invalid token")
    async with connect(f"ws://{live}/ws", proxy=None) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert await close_code(ws) == (
            4401,
            'send {"type": "auth", "token": "<access token>"} first',
        )
    monkeypatch.setattr(realtime_router, "AUTH_SECONDS", 0.2)
    async with connect(f"ws://{live}/ws", proxy=None) as ws:
        code, reason = await close_code(ws)
        assert code == 4401 and reason.startswith("no token within 0.2 s")
    async with connect(f"ws://{live}/ws?token={token_of(signed_in('guard3'))}", proxy=None) as ws:
        assert (await receive(ws))["type"] == "ready"
        clock.advance(minutes=60)  # the token expires while the socket is open
        await ws.send(json.dumps({"type": "ping"}))
        code, reason = await close_code(ws)
        assert code == 4401 and "expired" in reason


async def test_tokens_never_reach_the_logs(
    live: str, signed_in: Headers, caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    token = token_of(signed_in("guard1"))
    async with connect(f"ws://{live}/ws?token={token}&v=1", proxy=None) as ws:
        assert (await receive(ws))["type"] == "ready"
    assert '"WebSocket /ws?v=1" [accepted]' in caplog.text
    assert token not in caplog.text + capsys.readouterr().err


async def test_a_stalled_socket_is_dropped_without_holding_up_the_others(
    live: str, resq: ServiceRuntime, signed_in: Headers
) -> None:
    host, port = live.split(":")
    stalled = socket.create_connection((host, int(port)))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.setblocking(False)
    # A tiny read buffer: once it holds 2 KiB this client stops reading for good.
    reader, writer = await asyncio.open_connection(sock=stalled, limit=1024)
    writer.write(
        f"GET /ws?token={token_of(signed_in('guard1'))} HTTP/1.1\r\nHost: {live}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode()
    )
    assert await reader.readexactly(12) == b"HTTP/1.1 101"
    hub: Hub = resq.app.state.realtime
    bus = resq.app.state.resq.units.bus
    assert bus is not None
    padding = "x" * 60_000
    try:
        async with connect(
            f"ws://{live}/ws?token={token_of(signed_in('dispatcher'))}", proxy=None
        ) as ws:
            assert (await receive(ws))["type"] == "ready"
            assert hub.open_connections == 2
            for n in range(1000):  # far more than the queue and the socket buffers hold
                data = {"n": n, "padding": padding}
                event = Event("alert.created", data, roles=frozenset({"guard", "dispatcher"}))
                await bus.publish(event)
                assert (await receive(ws))["data"]["n"] == n
            assert hub.open_connections == 1  # guard1's socket was dropped on overflow
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def redis_url() -> str:
    return await reachable_redis_url()


@pytest.fixture
def two_processes(
    database_url: Callable[[str], str], redis_url: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    env = {
        "RESQ_DATABASE_URL": database_url("resq"),
        "REDIS_URL": redis_url,
        "RESQ_REALTIME_CHANNEL": f"safewatch-test:{uuid.uuid4().hex}",
        "SAFEWATCH_DEMO_PASSWORD": DEMO_PASSWORD,
    }
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                serve_process("resq", data_dir=tmp_path, env=env, extra_args=("--demo",))
            ).removeprefix("http://")
            for _ in range(2)
        )
        yield a, b


@pytest.mark.server
async def test_events_cross_processes_through_redis(two_processes: tuple[str, str]) -> None:
    a, b = two_processes
    async with httpx.AsyncClient(timeout=30) as http, AsyncExitStack() as stack:
        tokens = {}
        for user in ("guard3", "guard5", "dispatcher"):
            signed = await http.post(
                f"http://{a}/api/auth/token/", json={"username": user, "password": DEMO_PASSWORD}
            )
            tokens[user] = signed.json()["access_token"]
        on_a = await open_sockets(stack, a, {u: tokens[u] for u in ("guard3", "guard5")})
        on_b = await open_sockets(stack, b, {"dispatcher": tokens["dispatcher"]})
        created = await http.post(f"http://{b}/api/ai/violence-detected/", json=FIGHT)
        assert created.status_code == 201
        alert = await receive(on_a["guard3"])
        assert (alert["type"], alert["data"]["priority_rank"]) == ("alert.created", 1)
        assert len(await receive_many(on_b["dispatcher"], 3)) == 3  # own process, via Redis
        await assert_quiet(on_a["guard5"])
        accepted = await http.post(
            f"http://{a}/api/alerts/{alert['data']['alert_id']}/acknowledge/",
            headers={"Authorization": f"Bearer {tokens['guard3']}"},
        )
        assert accepted.status_code == 200
        seen = await receive_many(on_b["dispatcher"], 3)
        assert sorted(e["type"] for e in seen) == ["alert.closed"] * 2 + ["incident.updated"]
