"""Password guessing is throttled per username and per client address, in the database, so two
server processes count together; a success never buys more guesses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.core.testing.servers import serve_process
from safewatch.halo.auth.service import add_user
from safewatch.halo.models import login_attempts
from tests.halo.conftest import HaloFactory, http
from tests.resq.conftest import DEMO_PASSWORD

PASSWORD = "correct horse battery staple"
TOKEN = "/api/auth/token/"


def login(username: str, password: str) -> dict[str, str]:
    return {"username": username, "password": password}


@pytest.fixture
async def halo(make_halo: HaloFactory, clock: FrozenClock) -> ServiceRuntime:
    runtime = await make_halo()
    async with runtime.db.transaction() as session:
        for username in ("anna", "bo"):
            await add_user(session, username, username.title(), "reporter", PASSWORD, clock.now())
    return runtime


async def test_the_sixth_attempt_in_a_minute_waits_even_with_the_right_password(
    halo: ServiceRuntime, clock: FrozenClock
) -> None:
    async with http(halo) as client:
        wrong = [(await client.post(TOKEN, json=login("anna", f"guess{i}"))) for i in range(5)]
        clock.advance(20)
        sixth = await client.post(TOKEN, json=login("anna", PASSWORD))
        other_account = await client.post(TOKEN, json=login("bo", PASSWORD))
        clock.advance(40)  # the window of the first failure has ended
        later = await client.post(TOKEN, json=login("anna", PASSWORD))
    assert [r.status_code for r in wrong] == [401] * 5
    assert sixth.status_code == 429, sixth.text
    assert sixth.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(sixth.headers["Retry-After"]) <= 60
    assert "access_token" not in sixth.text
    assert other_account.status_code == 200  # one account's guesses lock no one else out
    assert later.status_code == 200


async def test_unknown_usernames_are_throttled_alike(halo: ServiceRuntime) -> None:
    async with http(halo) as client:
        answers = [await client.post(TOKEN, json=login("nobody", "x")) for _ in range(6)]
    assert [r.status_code for r in answers] == [401] * 5 + [429]  # no hint the name is unknown


async def test_successes_in_between_do_not_buy_more_guesses(halo: ServiceRuntime) -> None:
    """The owner (or the attacker with their own account) signing in in between clears
    nothing: the account's sixth failure-or-attempt is still refused."""
    statuses = []
    async with http(halo) as client:
        for i in range(5):
            statuses.append((await client.post(TOKEN, json=login("anna", f"g{i}"))).status_code)
            statuses.append((await client.post(TOKEN, json=login("bo", PASSWORD))).status_code)
        statuses.append((await client.post(TOKEN, json=login("anna", PASSWORD))).status_code)
    assert statuses == [401, 200] * 5 + [429]


async def test_one_address_guessing_many_usernames_is_stopped(
    make_halo: HaloFactory, clock: FrozenClock
) -> None:
    halo = await make_halo(login_max_failures_per_address=3)
    async with http(halo) as client:
        spread = [await client.post(TOKEN, json=login(f"user{i}", "x")) for i in range(4)]
        clock.advance(60)
        next_window = await client.post(TOKEN, json=login("user9", "x"))
    assert [r.status_code for r in spread] == [401, 401, 401, 429]
    assert next_window.status_code == 401


async def test_simultaneous_guesses_get_no_more_than_the_limit(halo: ServiceRuntime) -> None:
    async with http(halo) as client:
        answers = await asyncio.gather(
            *(client.post(TOKEN, json=login("anna", f"guess{i}")) for i in range(12))
        )
    assert sorted(r.status_code for r in answers) == [401] * 5 + [429] * 7


async def test_ended_windows_are_forgotten(halo: ServiceRuntime, clock: FrozenClock) -> None:
    async with http(halo) as client:
        for i in range(4):
            await client.post(TOKEN, json=login(f"typo{i}", "x"))
        clock.advance(61)
        await client.post(TOKEN, json=login("anna", "x"))
    async with halo.db.sessions() as session:
        rows = (await session.execute(select(login_attempts))).all()
    assert len(rows) == 2  # this window's: the username's and the address's
    assert all(len(row.key_hash) == 64 and "anna" not in row.key_hash for row in rows)


@contextlib.contextmanager
def two_processes(url: str, data_dir: Path) -> Iterator[list[str]]:
    """Two `safewatch serve resq --demo` processes on one database and one data dir, started
    side by side (as a deployment's replicas would)."""
    env = {"RESQ_DATABASE_URL": url, "SAFEWATCH_DEMO_PASSWORD": DEMO_PASSWORD}
    servers = [
        serve_process("resq", data_dir=data_dir, env=env, extra_args=("--demo",)) for _ in "ab"
    ]
    stacks = [contextlib.ExitStack(), contextlib.ExitStack()]
    with ThreadPoolExecutor(2) as pool:  # starting and stopping take seconds: side by side
        try:
            yield list(pool.map(contextlib.ExitStack.enter_context, stacks, servers))
        finally:
            list(pool.map(contextlib.ExitStack.close, stacks))


@pytest.mark.server
async def test_two_processes_on_one_database_count_together(
    database_url: Callable[[str], str], tmp_path: Path
) -> None:
    with two_processes(database_url("resq"), tmp_path) as (a, b):
        async with httpx.AsyncClient(timeout=30) as client:
            first = await client.post(f"{a}{TOKEN}", json=login("guard3", DEMO_PASSWORD))
            wrong = [
                await client.post(f"{(a, b)[i % 2]}{TOKEN}", json=login("guard3", f"guess{i}"))
                for i in range(5)
            ]
            refused = await asyncio.gather(
                client.post(f"{a}{TOKEN}", json=login("guard3", DEMO_PASSWORD)),
                client.post(f"{b}{TOKEN}", json=login("guard3", "guess6")),
            )
            other = await client.post(f"{b}{TOKEN}", json=login("guard2", DEMO_PASSWORD))
    assert first.status_code == 200, first.text
    assert [r.status_code for r in wrong] == [401] * 5
    assert [r.status_code for r in refused] == [429, 429]
    assert all(1 <= int(r.headers["Retry-After"]) <= 60 for r in refused)
    assert other.status_code == 200
