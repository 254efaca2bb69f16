"""Atlas classify latency and throughput, beside the bare model call in the same run.

The bare call is `ThreatEngine.classify` in this process: the model plus the taxonomy and
severity rules, no HTTP, no auth, no database. The API figures are the same texts through a
real `safewatch serve atlas` process on SQLite (keys, validation, the threat store insert).
Their ratio is the API's overhead.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.detections import Connection
from safewatch.atlas.classify.engine import ThreatEngine
from safewatch.atlas.ml.dataset import load_bundled, split_validation
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.training import pipeline, shipped
from safewatch.core.testing.servers import free_port, running_server

KEY = "bench-halo-key-0123456789abcdef"
SINGLE_REQUESTS = 1000
BATCH = 100
BATCHES = 20
TARGET_P99_MS = 20.0


@dataclass(frozen=True)
class Figures:
    name: str
    p50_ms: float
    p99_ms: float
    batch_per_second: float


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] * 1000


def sample_texts(count: int) -> list[str]:
    """Validation texts (never trained on), every language, in a fixed order."""
    _, validation = split_validation(load_bundled())
    return [e.text for e in validation[:: max(1, len(validation) // count)]][:count]


def bare(engine: ThreatEngine, texts: list[str]) -> Figures:
    for text in texts[:50]:
        engine.classify([text])
    latencies = []
    for text in texts:
        started = time.perf_counter()
        engine.classify([text])
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    for n in range(BATCHES):
        engine.classify(texts[n * BATCH % len(texts) :][:BATCH])
    rate = BATCH * BATCHES / (time.perf_counter() - started)
    return Figures(
        "bare model call", percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.99), rate
    )


def request(path: str, body: dict[str, object]) -> bytes:
    raw = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: atlas\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {KEY}\r\nX-Product: halo\r\nContent-Length: {len(raw)}\r\n\r\n"
    )
    return head.encode() + raw


async def through_api(url: str, texts: list[str]) -> Figures:
    host, port = url.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    single = [
        request("/api/v1/classify/threat", {"type": "text", "data": t, "context": {}})
        for t in texts
    ]
    for raw in single[:50]:
        await connection.post(raw)
    latencies = []
    for raw in single:
        started = time.perf_counter()
        status, body = await connection.post(raw)
        latencies.append(time.perf_counter() - started)
        assert status == 200, body[:200]
    batches = [
        request(
            "/api/v1/classify/threats",
            {
                "items": [
                    {"type": "text", "data": t} for t in texts[n * BATCH % len(texts) :][:BATCH]
                ]
            },
        )
        for n in range(BATCHES)
    ]
    started = time.perf_counter()
    for raw in batches:
        status, body = await connection.post(raw)
        assert status == 200, body[:200]
    rate = BATCH * BATCHES / (time.perf_counter() - started)
    await connection.close()
    return Figures(
        "POST /api/v1/classify/threat(s)",
        percentile_ms(latencies, 0.5),
        percentile_ms(latencies, 0.99),
        rate,
    )


def run_classify(console: Console, data_root: Path) -> list[Figures]:
    data_dir = data_root / "classify"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    model_dir = data_root / "models"
    console.print(f"[bold]classify[/]: base model in {model_dir} (the shipped one, as served)")
    try:
        outcome = shipped.install(model_dir)
    except shipped.ShippedModelUnusable:  # stale: trained once, then reused
        outcome = pipeline.train_base(str(model_dir), 0)
    engine = ThreatEngine()
    engine.install(TextModel.load(model_dir / outcome.artifact), "bench")
    texts = sample_texts(SINGLE_REQUESTS)
    console.print(f"  {len(texts)} single texts, {BATCHES} batches of {BATCH}: bare model call")
    reference = bare(engine, texts)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "safewatch",
        "serve",
        "atlas",
        "--atlas-port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
        "--no-worker",
    ]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")},
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEY,
        "ATLAS_RATE_LIMIT": "1000000/minute",
    }
    console.print("  the same through a real Atlas server (SQLite)")
    with running_server(command, port=port, env=env, log_path=data_dir / "atlas.log", timeout=180):
        api = asyncio.run(through_api(f"http://127.0.0.1:{port}", texts))
    return [reference, api]


def report_classify(console: Console, results: list[Figures]) -> None:
    reference, api = results
    table = Table(title="Atlas classification: bare model call vs the API, same texts, same run")
    for column in ("path", "single p50 ms", "single p99 ms", "batch texts/s"):
        table.add_column(column, justify="right" if column != "path" else "left")
    for r in results:
        table.add_row(r.name, f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", f"{r.batch_per_second:.0f}")
    console.print(table)
    overhead = api.p50_ms - reference.p50_ms
    console.print(
        f"API/bare: p50 x{api.p50_ms / reference.p50_ms:.2f} (+{overhead:.2f} ms), "
        f"p99 x{api.p99_ms / reference.p99_ms:.2f}, batch throughput "
        f"x{api.batch_per_second / reference.batch_per_second:.2f}"
    )
    verdict = "met" if api.p99_ms <= TARGET_P99_MS else "MISSED"
    console.print(
        f"target single-request p99 <= {TARGET_P99_MS:g} ms: {verdict} ({api.p99_ms:.2f} ms)"
    )
