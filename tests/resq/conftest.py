from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.app import build_resq
from safewatch.resq.demo import seed_demo_campus
from safewatch.resq.notify.base import PushMessage, PushResult
from safewatch.resq.settings import ResqSettings


class RecordingNotifier:
    """A notifier that remembers every push, in order."""

    channel = "log"
    needs_device = False

    def __init__(self) -> None:
        self.sent: list[PushMessage] = []

    async def send(self, token: str | None, message: PushMessage) -> PushResult:
        self.sent.append(message)
        return PushResult("delivered")

    async def close(self) -> None:
        return None


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def resq_settings(database_url: Callable[[str], str], tmp_path: Path) -> ResqSettings:
    return ResqSettings(database_url=database_url("resq"), data_dir=tmp_path)


@pytest.fixture
async def resq(
    resq_settings: ResqSettings, clock: FrozenClock, notifier: RecordingNotifier
) -> AsyncIterator[ServiceRuntime]:
    runtime = build_resq(resq_settings, clock=clock, notifier=notifier)
    async with runtime.db.transaction() as session:
        await seed_demo_campus(session, clock.now())
    yield runtime
    await runtime.stop()


DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture
async def signed_in(resq: ServiceRuntime) -> Callable[[str], dict[str, str]]:
    """signed_in("guard3") -> headers with a bearer token for that demo user."""
    from safewatch.core.auth import Principal
    from safewatch.resq.auth.service import set_passwords
    from safewatch.resq.demo import DEMO_USERNAMES
    from safewatch.resq.models import User

    async with resq.db.transaction() as session:
        await set_passwords(session, DEMO_USERNAMES, DEMO_PASSWORD)
        users = {u.username: u for u in (await session.execute(select(User))).scalars()}
    context = resq.app.state.resq

    def headers(username: str) -> dict[str, str]:
        user = users[username]
        token = context.tokens.issue(
            Principal(user.id, user.username, user.role), context.clock.now()
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
async def client(resq: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=resq.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://resq") as http:
        yield http


ClientWith = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(resq_settings: ResqSettings, clock: FrozenClock) -> ClientWith:
    """client_with(dedup_window_seconds=60): a demo-campus ResQ with some settings changed."""

    @asynccontextmanager
    async def make(**changes: object) -> AsyncIterator[httpx.AsyncClient]:
        settings = ResqSettings.model_validate({**resq_settings.model_dump(), **changes})
        runtime = build_resq(settings, clock=clock)
        async with runtime.db.transaction() as session:
            await seed_demo_campus(session, clock.now())
        transport = httpx.ASGITransport(app=runtime.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://resq") as http:
            yield http
        await runtime.stop()

    return make
