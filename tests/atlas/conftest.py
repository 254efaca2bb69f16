from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from safewatch.atlas.app import build_atlas
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

KEYS = {
    "halo": "halo-test-key-0123456789",
    "frontline": "frontline-test-key-0123456789",
    "sait": "sait-test-key-0123456789",
    "resq": "resq-test-key-0123456789",
}
# Retraining tests train on a fixed sample so a challenger takes seconds, not a minute.
RETRAIN_SAMPLE = 8000


def product_headers(product: str, key: str | None = None) -> dict[str, str]:
    return {"X-API-Key": key or KEYS[product], "X-Product": product}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def atlas_settings(
    database_url: Callable[[str], str], tmp_path: Path, model_dir: Path
) -> AtlasSettings:
    return AtlasSettings.model_validate(
        {
            "database_url": database_url("atlas"),
            "data_dir": tmp_path,
            "model_dir": model_dir,
            **{f"API_KEY_{p.upper()}": key for p, key in KEYS.items()},
        }
    )


async def started(runtime: ServiceRuntime, wait_seconds: float = 90.0) -> ServiceRuntime:
    """Start a runtime (migrations, model keeper) and wait until the model answers."""
    await runtime.start()
    engine = runtime.app.state.atlas.engine
    async with asyncio.timeout(wait_seconds):
        while not engine.ready:  # noqa: ASYNC110 (the model keeper's task sets it)
            await asyncio.sleep(0.05)
    return runtime


@pytest.fixture
async def atlas(atlas_settings: AtlasSettings, clock: FrozenClock) -> AsyncIterator[ServiceRuntime]:
    runtime = await started(build_atlas(atlas_settings, clock=clock))
    yield runtime
    await runtime.stop()


@pytest.fixture
async def client(atlas: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=atlas.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as http:
        yield http
