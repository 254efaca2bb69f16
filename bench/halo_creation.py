"""Halo incident creation latency with Atlas healthy, answering in 2 s, and down, same run.

Real processes throughout: one `safewatch serve atlas` (SQLite, the bundled model), and for
each scenario a fresh `safewatch serve halo` whose ATLAS_API_URL points at Atlas itself, at a
loopback proxy that holds every Atlas answer for 2 s, or at a port nobody listens on. Each
scenario runs closed-loop clients for a fixed time from a cold start: the first requests meet
a working (or hanging) Atlas, later ones the open cooldown. The issue's targets: with Atlas
slow or down, p99 <= the creation deadline + 50 ms, and once the cooldown is open, within a
few ms of the healthy case.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from safewatch.atlas.training import pipeline
from safewatch.core.testing.servers import free_port, running_server, serve_asgi_in_thread

KEY = "bench-halo-key-0123456789abcdef"
DEADLINE_MS = 800
SLOW_SECONDS = 2.0
CLIENTS = 4
TEXTS = (
    "Gunshots heard near the station",
    "Cykelstöld vid Centralen",
    "Fight outside bar on Götgatan",
    "Brand i lägenhet, rök från fönstret",
    "Someone is following people in the park",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    samples: list[tuple[float, float]]  # (started after the run began, latency), seconds
    sources: dict[str, int]

    def latencies(self, after: float = 0.0) -> list[float]:
        return [latency for started, latency in self.samples if started >= after]


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] * 1000


def _environment(extra: dict[str, str]) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ATLAS_", "HALO_", "SAFEWATCH_", "API_KEY_"))
    }
    return {**keep, **extra}


def _serve(service: str, port: int, data_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "safewatch",
        "serve",
        service,
        f"--{service}-port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
    ]


@contextlib.contextmanager
def atlas_server(data_dir: Path, model_dir: Path) -> Iterator[str]:
    port = free_port()
    env = _environment(
        {
            "ATLAS_MODEL_DIR": str(model_dir),
            "API_KEY_HALO": KEY,
            "ATLAS_RATE_LIMIT": "1000000/minute",
        }
    )
    log = data_dir / "atlas.log"
    with running_server(
        _serve("atlas", port, data_dir), port=port, env=env, log_path=log, timeout=180
    ):
        yield f"http://127.0.0.1:{port}"


def slow_proxy(atlas_url: str) -> Starlette:
    """Forwards to the real Atlas, which does the work at once; the answer comes 2 s later."""
    upstream = httpx.AsyncClient(base_url=atlas_url, timeout=30)

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        answer = await upstream.request(
            request.method,
            request.url.path,
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
        await asyncio.sleep(SLOW_SECONDS)
        return Response(answer.content, answer.status_code, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])


async def load(url: str, seconds: float) -> tuple[list[tuple[float, float]], dict[str, int]]:
    samples: list[tuple[float, float]] = []
    sources: dict[str, int] = {}
    began = time.perf_counter()

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            i = n
            while time.perf_counter() - began < seconds:
                body = {
                    "description": TEXTS[i % len(TEXTS)],
                    "latitude": 59.3293 + (i % 100) / 1000,
                    "longitude": 18.0686,
                }
                started = time.perf_counter()
                response = await http.post("/api/v1/incidents", json=body)
                samples.append((started - began, time.perf_counter() - started))
                if response.status_code != 201:
                    raise RuntimeError(f"Halo answered {response.status_code}: {response.text}")
                source = response.json()["classification_source"]
                sources[source] = sources.get(source, 0) + 1
                i += CLIENTS

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return samples, sources


def warm_atlas(atlas_url: str, count: int = 50) -> None:
    """Atlas is healthy in every scenario: warm it (model, caches, SQLite pages) beforehand."""
    headers = {"X-API-Key": KEY, "X-Product": "halo"}
    with httpx.Client(base_url=atlas_url, headers=headers, timeout=30) as http:
        for i in range(count):
            body = {
                "type": "text",
                "data": TEXTS[i % len(TEXTS)],
                "context": {"latitude": 59.3293, "longitude": 18.0686, "source_product": "halo"},
                "options": {"include_nearby_patterns": True},
            }
            http.post("/api/v1/classify/threat", json=body).raise_for_status()


def halo_scenario(name: str, atlas_url: str, data_dir: Path, seconds: float) -> Scenario:
    data_dir.mkdir(parents=True)
    port = free_port()
    env = _environment(
        {
            "ATLAS_API_URL": atlas_url,
            "ATLAS_API_KEY": KEY,
            "HALO_ATLAS_DEADLINE_MS": str(DEADLINE_MS),
            "HALO_REPORT_RATE_LIMIT": "1000000/minute",
        }
    )
    log = data_dir / "halo.log"
    with running_server(_serve("halo", port, data_dir), port=port, env=env, log_path=log):
        samples, sources = asyncio.run(load(f"http://127.0.0.1:{port}", seconds))
    return Scenario(name, samples, sources)


def run_halo(console: Console, data_root: Path, *, quick: bool) -> list[Scenario]:
    data_dir = data_root / "halo"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    model_dir = data_root / "models"
    seconds = 4.0 if quick else 10.0
    console.print(f"[bold]halo[/]: base model in {model_dir} (trained once, then reused)")
    pipeline.train_base(str(model_dir), 0)
    console.print(f"  {CLIENTS} clients, {seconds:g} s per scenario, deadline {DEADLINE_MS} ms")
    with (
        atlas_server(data_dir, model_dir) as atlas_url,
        serve_asgi_in_thread(slow_proxy(atlas_url)) as slow_url,
    ):
        warm_atlas(atlas_url)
        plan = [
            ("Atlas healthy", atlas_url),
            (f"Atlas answers in {SLOW_SECONDS:g} s", slow_url),
            ("Atlas down (refused)", f"http://127.0.0.1:{free_port()}"),
        ]
        results = []
        for n, (name, url) in enumerate(plan):
            console.print(f"  {name}")
            results.append(halo_scenario(name, url, data_dir / f"halo-{n}", seconds))
    return results


def report_halo(console: Console, results: list[Scenario]) -> None:
    healthy = results[0]
    # The cooldown opens after 3 failed calls, each at most the deadline: from 1 s on it is open.
    steady = DEADLINE_MS / 1000 + 0.2
    table = Table(title="Halo: POST /api/v1/incidents, same run (real Atlas and Halo processes)")
    for column in (
        "Atlas",
        "requests",
        "p50 ms",
        "p99 ms",
        "max ms",
        "p50 / p99 ms after 1 s",
        "classified by",
    ):
        table.add_column(
            column, justify="left" if column in ("Atlas", "classified by") else "right"
        )
    for r in results:
        every = r.latencies()
        later = r.latencies(after=steady)
        table.add_row(
            r.name,
            str(len(every)),
            f"{percentile_ms(every, 0.5):.1f}",
            f"{percentile_ms(every, 0.99):.1f}",
            f"{max(every) * 1000:.1f}",
            f"{percentile_ms(later, 0.5):.1f} / {percentile_ms(later, 0.99):.1f}" if later else "-",
            ", ".join(f"{k} {v}" for k, v in sorted(r.sources.items())),
        )
    console.print(table)
    base50 = percentile_ms(healthy.latencies(), 0.5)
    base99 = percentile_ms(healthy.latencies(), 0.99)
    for r in results[1:]:
        p99 = percentile_ms(r.latencies(), 0.99)
        later = r.latencies(after=steady)
        verdict = "met" if p99 <= DEADLINE_MS + 50 else "MISSED"
        console.print(
            f"{r.name}: p99 {p99:.1f} ms vs deadline + 50 = {DEADLINE_MS + 50} ms ({verdict}); "
            f"after 1 s p50 x{percentile_ms(later, 0.5) / base50:.2f} and "
            f"p99 x{percentile_ms(later, 0.99) / base99:.2f} of healthy"
        )
