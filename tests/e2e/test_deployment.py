"""deploy/run-processes.sh, the plain-process form of compose.yaml: two ResQ API replicas
without workers and one worker process, sharing a database and Redis. A detection posted to
one replica reaches a guard connected to the other, and only the worker process sends pushes."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from safewatch.core.testing.servers import wait_ready
from tests.core.test_redis_bus import reachable_redis_url

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "run-processes.sh"
PASSWORD = "deployment-test-password"
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"}


def two_free_ports() -> int:
    """A base port with the next one free too (the script uses BASE_PORT and BASE_PORT+1).
    Drawn below Linux's ephemeral range (32768+), where another test worker's `free_port()`
    (bind to port 0) can never land on BASE_PORT+1 before the script binds it."""
    for _ in range(50):
        base = random.randrange(20000, 30000)
        with socket.socket() as first, socket.socket() as second:
            try:
                first.bind(("127.0.0.1", base))
                second.bind(("127.0.0.1", base + 1))
            except OSError:
                continue
            return base
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture
async def redis_url() -> str:
    return await reachable_redis_url()


@pytest.fixture
def cluster(
    database_url: Callable[[str], str], redis_url: str, tmp_path: Path
) -> Iterator[tuple[list[str], Path]]:
    base = two_free_ports()
    env = {
        **os.environ,
        "RESQ_DATABASE_URL": database_url("resq"),
        "REDIS_URL": redis_url,
        "RESQ_REALTIME_CHANNEL": f"safewatch-test:{uuid.uuid4().hex}",
        "SAFEWATCH_DEMO_PASSWORD": PASSWORD,
        "SAFEWATCH_DATA_DIR": str(tmp_path),
        "SAFEWATCH_LOG_LEVEL": "info",
        "SERVICES": "resq",
        "REPLICAS": "2",
        "BASE_PORT": str(base),
        "SERVE_ARGS": "--demo",
        "SAFEWATCH": f"{sys.executable} -m safewatch",
    }
    log = tmp_path / "cluster.log"
    with open(log, "wb") as output:
        script = subprocess.Popen(
            ["bash", str(SCRIPT)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        urls = [f"http://127.0.0.1:{base + n}" for n in range(2)]
        try:
            for url in urls:
                wait_ready(url, timeout=60, process=script)
            yield urls, log
        finally:
            script.send_signal(signal.SIGTERM)
            assert script.wait(timeout=30) is not None


@pytest.mark.server
async def test_replicas_share_events_and_the_worker_sends_the_pushes(
    cluster: tuple[list[str], Path],
) -> None:
    (a, b), log = cluster
    async with httpx.AsyncClient(timeout=30) as http:
        signed = await http.post(
            f"{b}/api/auth/token/", json={"username": "guard3", "password": PASSWORD}
        )
        token = signed.json()["access_token"]
        async with connect(f"ws://{b.removeprefix('http://')}/ws?token={token}") as socket_b:
            assert json.loads(await socket_b.recv())["type"] == "ready"
            created = await http.post(f"{a}/api/ai/violence-detected/", json=FIGHT)
            assert created.status_code == 201
            event = json.loads(await socket_b.recv())
    assert (event["type"], event["data"]["priority_rank"]) == ("alert.created", 1)
    # Replicas run --no-worker: the three pushes can only come from the worker process.
    deadline = time.monotonic() + 20
    while log.read_text().count('"push"') < 3 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    pushes = [line for line in log.read_text().splitlines() if '"push"' in line]
    assert len(pushes) == 3, log.read_text()[-3000:]
