"""`GET /api/v1/intelligence/patterns` with 1,000,000 threats, end to end over HTTP, on SQLite
and PostgreSQL; also the import rate and the background pattern run at that size.

Data: the real SAPD rows shifted by whole weeks so the newest is in the last week, plus a copy
of the first 426,025 rows shifted back four more years (the documented augmentation to reach
1 M; never used for accuracy). Even rows are imported as halo, odd rows as frontline, with
`safewatch atlas import`. The pattern run is `run_patterns` at that size. Then a real
`safewatch serve atlas --no-worker` answers 2 concurrent keep-alive clients: random centres
from the data, radius 5 km; "7d, all types" and "30d, two types".
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.detections import Connection
from bench.forecast_pai import SAPD
from safewatch.atlas.patterns.jobs import run_patterns
from safewatch.atlas.training import pipeline
from safewatch.core.db import Database
from safewatch.core.testing.servers import free_port, running_server

KEY = "bench-halo-key-0123456789abcdef"
TOTAL = 1_000_000
TARGET_P95_MS = {"postgres": 50.0, "sqlite": 150.0}
CLIENTS = 2


@dataclass
class Figures:
    backend: str
    import_rows_per_s: float
    job_seconds: float
    patterns: dict[str, int]
    latency: dict[str, tuple[float, float, float]]  # scenario -> p50, p95, p99 ms


def write_files(data_dir: Path) -> tuple[list[Path], list[tuple[float, float]]]:
    """Two CSVs (halo, frontline) of TOTAL rows together, and sample centres."""
    with gzip.open(SAPD, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    newest = datetime.fromisoformat(rows[-1][1])
    weeks = math.floor((datetime.now(UTC) - newest) / timedelta(weeks=1))
    shift = timedelta(weeks=weeks)
    older = shift - timedelta(weeks=4 * 52 + 1)
    files = [data_dir / "halo.csv", data_dir / "frontline.csv"]
    writers_files = [f.open("w", newline="") for f in files]
    writers = [csv.writer(f) for f in writers_files]
    for writer in writers:
        writer.writerow(header)
    n = 0
    for prefix, delta, part in (("a", shift, rows), ("b", older, rows[: TOTAL - len(rows)])):
        for row in part:
            when = datetime.fromisoformat(row[1]) + delta
            writers[n % 2].writerow([f"{prefix}{row[0]}", when.isoformat(), *row[2:]])
            n += 1
    for f in writers_files:
        f.close()
    rng = np.random.default_rng(3)
    centres = [(float(rows[i][2]), float(rows[i][3])) for i in rng.integers(0, len(rows), 500)]
    return files, centres


def import_all(files: list[Path], env: dict[str, str], data_dir: Path, console: Console) -> float:
    started = time.perf_counter()
    for path, product in zip(files, ("halo", "frontline"), strict=True):
        command = [sys.executable, "-m", "safewatch", "atlas", "import", str(path)]
        command += ["--product", product, "--data-dir", str(data_dir)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        console.print("  " + done.stdout.strip().splitlines()[-1])
    return TOTAL / (time.perf_counter() - started)


def request(params: dict[str, object]) -> bytes:
    return (
        f"GET /api/v1/intelligence/patterns?{urlencode(params)} HTTP/1.1\r\nHost: atlas\r\n"
        f"X-API-Key: {KEY}\r\nX-Product: halo\r\n\r\n"
    ).encode()


async def load(url: str, raws: list[bytes]) -> tuple[float, float, float]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []

    async def client(part: list[bytes]) -> None:
        connection = Connection(host, int(port))
        for raw in part:
            started = time.perf_counter()
            status, body = await connection.post(raw)
            latencies.append(time.perf_counter() - started)
            assert status == 200, body[:300]
        await connection.close()

    await asyncio.gather(*(client(raws[i::CLIENTS]) for i in range(CLIENTS)))
    p50, p95, p99 = np.percentile(np.array(latencies) * 1000, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def scenarios(centres: list[tuple[float, float]], count: int) -> dict[str, list[bytes]]:
    rng = np.random.default_rng(5)
    picks = [centres[i] for i in rng.integers(0, len(centres), count)]
    return {
        "7d, all types": [
            request({"lat": a, "lon": b, "radius_km": 5, "time_range": "7d"}) for a, b in picks
        ],
        "30d, violence,theft": [
            request(
                {
                    "lat": a,
                    "lon": b,
                    "radius_km": 5,
                    "time_range": "30d",
                    "threat_types": "violence,theft",
                }
            )
            for a, b in picks
        ],
    }


def run_backend(backend: str, url: str, data_dir: Path, requests: int, console: Console) -> Figures:
    console.print(f"[bold]patterns latency, {backend}[/]: {TOTAL:,} threats, data in {data_dir}")
    files, centres = write_files(data_dir)
    model_dir = data_dir.parent / "models"
    pipeline.train_base(str(model_dir), 0)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ATLAS_", "SAFEWATCH_"))},
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEY,
        "ATLAS_RATE_LIMIT": "10000000/minute",
    }
    if backend == "postgres":
        env["ATLAS_DATABASE_URL"] = url
    rate = import_all(files, env, data_dir, console)
    for f in files:
        f.unlink()
    started = time.perf_counter()
    db = Database(url)
    counts = asyncio.run(_run_job(db))
    job_seconds = time.perf_counter() - started
    console.print(f"  pattern run: {job_seconds:.1f} s, patterns stored {counts}")
    port = free_port()
    command = [sys.executable, "-m", "safewatch", "serve", "atlas", "--atlas-port", str(port)]
    command += ["--data-dir", str(data_dir), "--log-level", "warning", "--no-worker"]
    latency = {}
    with running_server(command, port=port, env=env, log_path=data_dir / "atlas.log", timeout=180):
        target = f"http://127.0.0.1:{port}"
        for name, raws in scenarios(centres, requests).items():
            asyncio.run(load(target, raws[:100]))  # warm-up
            latency[name] = asyncio.run(load(target, raws))
            console.print(f"  {name}: p50/p95/p99 {'/'.join(f'{x:.1f}' for x in latency[name])} ms")
    return Figures(backend, rate, job_seconds, counts, latency)


async def _run_job(db: Database) -> dict[str, int]:
    try:
        return await run_patterns(db, datetime.now(UTC))
    finally:
        await db.dispose()


def report(console: Console, results: list[Figures], requests: int) -> None:
    table = Table(
        title=f"GET /api/v1/intelligence/patterns, {TOTAL:,} threats, {CLIENTS} clients, "
        f"{requests:,} requests per scenario"
    )
    for column in ("backend", "scenario", "p50 ms", "p95 ms", "p99 ms", "p95 target", "met"):
        table.add_column(column)
    for r in results:
        for name, (p50, p95, p99) in r.latency.items():
            target = TARGET_P95_MS[r.backend]
            table.add_row(
                r.backend,
                name,
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p99:.1f}",
                f"{target:g}",
                "yes" if p95 <= target else "NO",
            )
    console.print(table)
    for r in results:
        console.print(
            f"{r.backend}: import {r.import_rows_per_s:,.0f} rows/s (target 20,000), "
            f"pattern run {r.job_seconds:.1f} s for {TOTAL:,} threats"
        )
