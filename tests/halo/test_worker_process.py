"""`safewatch worker halo` on its own (the scale-out layout): a report that got the fallback
while Atlas was down is classified by Atlas from the separate worker process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from safewatch.core.clock import FrozenClock
from safewatch.core.testing.servers import free_port
from tests.atlas.conftest import KEYS
from tests.halo.conftest import STOCKHOLM, HaloFactory, http, job_rows
from tests.halo.fake_atlas import FakeAtlas


@contextlib.contextmanager
def worker_process(env: dict[str, str], data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "safewatch", "worker", "halo", "--data-dir", str(data_dir)]
    with open(data_dir / "worker.log", "wb") as log:
        worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield worker
        finally:
            worker.terminate()
            worker.wait(timeout=15)


async def test_a_separate_worker_process_syncs_a_fallback_report(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str], clock: FrozenClock, tmp_path: Path
) -> None:
    atlas, url = fake
    halo = await make_halo(f"http://127.0.0.1:{free_port()}")  # Atlas refused
    async with http(halo) as client:
        response = await client.post(
            "/api/v1/incidents", json={"description": "Gunshots heard", **STOCKHOLM}
        )
    assert response.status_code == 201
    assert response.json()["fallback_reason"] == "atlas_unavailable"
    database_url = halo.app.state.halo.settings.database_url
    await halo.stop()

    env = {
        **os.environ,
        "HALO_DATABASE_URL": database_url,
        "ATLAS_API_URL": url,
        "ATLAS_API_KEY": KEYS["halo"],
    }
    key = f"halo-incident-{response.json()['id']}"
    with worker_process(env, tmp_path) as worker:
        deadline = time.monotonic() + 30
        while key not in atlas.threats and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            await asyncio.sleep(0.1)
    assert set(atlas.threats) == {key}, (tmp_path / "worker.log").read_text()
    assert worker.returncode == 0

    halo = await make_halo(url)
    (job,) = await job_rows(halo)
    assert job["status"] == "done"
