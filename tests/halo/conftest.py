"""Halo under test: its runtime on a fresh database, talking to a real Atlas app in process or
to a fake Atlas on a loopback socket; users signed in through the API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from safewatch.atlas_client import AtlasClientSettings
from safewatch.core.clock import FrozenClock
from safewatch.core.jobs import PURGE_JOBS
from safewatch.core.service import ServiceRuntime
from safewatch.halo.app import build_halo
from safewatch.halo.auth.service import add_user
from safewatch.halo.models import jobs
from safewatch.halo.settings import HaloSettings
from tests.atlas.conftest import KEYS, atlas, atlas_settings, clock
from tests.halo.fake_atlas import FakeAtlas, running_fake

__all__ = ["atlas", "atlas_settings", "clock"]  # Atlas's fixtures, reused here

PASSWORD = "correct horse battery staple"
STOCKHOLM = {"latitude": 59.3293, "longitude": 18.0686}
JWT_SECRET = "halo-test-secret-0123456789-0123456789"


class SwitchableAtlas(httpx.AsyncBaseTransport):
    """The real Atlas app in process, which can be made unreachable, or slow to answer (it
    still does the work, only the answer comes late: the case idempotency keys are for)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.mode = "up"
        self.delay = 2.0
        self._work: set[asyncio.Task[httpx.Response]] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        # Like a separate process, Atlas finishes its work even when the caller gives up.
        work = asyncio.ensure_future(self.inner.handle_async_request(request))
        self._work.add(work)
        work.add_done_callback(self._work.discard)
        response = await asyncio.shield(work)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        return response

    async def settled(self) -> None:
        """Wait until Atlas has finished every request it was sent."""
        await asyncio.gather(*self._work, return_exceptions=True)


def client_settings(url: str, **changes: Any) -> AtlasClientSettings:
    values = {
        "api_url": url,
        "api_key": KEYS["halo"],
        "timeout": 5.0,
        "backoff_seconds": 0.01,
        "cooldown_seconds": 0.2,
    }
    return AtlasClientSettings(**(values | changes))


HaloFactory = Callable[..., Awaitable[ServiceRuntime]]


@pytest.fixture
async def make_halo(
    database_url: Callable[[str], str], tmp_path: Path, clock: FrozenClock
) -> AsyncIterator[HaloFactory]:
    """make_halo(atlas_url, transport=None, atlas={client settings}, **halo settings)."""
    runtimes: list[ServiceRuntime] = []
    url = database_url("halo")

    async def make(
        atlas_url: str = "http://atlas",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        atlas: dict[str, Any] | None = None,
        **changes: Any,
    ) -> ServiceRuntime:
        settings = HaloSettings.model_validate(
            {
                "database_url": url,
                "data_dir": tmp_path,
                "jwt_secret": JWT_SECRET,
                "report_rate_limit": "100000/minute",
                "atlas": client_settings(atlas_url, **(atlas or {})),
                **changes,
            }
        )
        runtime = build_halo(settings, clock=clock, atlas_transport=transport)
        await runtime.start()
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        await runtime.stop()


@pytest.fixture
def fake() -> Iterator[tuple[FakeAtlas, str]]:
    atlas = FakeAtlas()
    with running_fake(atlas) as url:
        yield atlas, url


@pytest.fixture
async def switchable(atlas: ServiceRuntime) -> SwitchableAtlas:
    return SwitchableAtlas(atlas.app)


def http(runtime: ServiceRuntime) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app), base_url="http://halo")


async def sign_up(runtime: ServiceRuntime, username: str, full_name: str, role: str) -> str:
    """Add a user and sign in through the API; returns the bearer token."""
    async with runtime.db.transaction() as session:
        await add_user(
            session, username, full_name, role, PASSWORD, runtime.app.state.halo.clock.now()
        )
    async with http(runtime) as client:
        response = await client.post(
            "/api/auth/token/", json={"username": username, "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def job_rows(runtime: ServiceRuntime) -> list[dict[str, Any]]:
    """Halo's own jobs, without the hourly purge that every started service keeps queued."""
    query = select(jobs).where(jobs.c.kind != PURGE_JOBS).order_by(jobs.c.id)
    async with runtime.db.sessions() as session:
        rows = (await session.execute(query)).mappings().all()
    return [dict(row) for row in rows]
