"""ResQ's OpenAPI schema, fuzzed by schemathesis for each role: anonymous, student, guard,
dispatcher and model server (RESQ_AI_TOKEN set). No 5xx, no answer outside the schema, no
invalid input accepted, no valid input refused, no status code the schema does not declare."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from sqlalchemy import select

from safewatch.core.auth import Principal
from safewatch.core.clock import FrozenClock
from safewatch.resq.app import build_resq
from safewatch.resq.demo import seed_demo_campus
from safewatch.resq.models import User
from safewatch.resq.settings import ResqSettings
from tests.fuzz.harness import (
    FUZZ,
    Build,
    Built,
    Served,
    Stop,
    bearer,
    call_and_validate,
    database_url,
    role_params,
    service_pool,
    service_schema,
)

AI_TOKEN = "fuzz-model-server-token-0123456789"
# role -> the demo user whose access token it sends
USERS = {"student": "student1", "guard": "guard1", "dispatcher": "dispatcher"}
WRITERS = [*USERS, "model_server"]
SIGN_IN = "/api/auth/token/"

schema, bridge = service_schema("ResQ")


def resq(request: pytest.FixtureRequest, backend: str) -> tuple[Build, Stop]:
    """ResQ on the demo campus, model servers needing RESQ_AI_TOKEN."""
    settings = ResqSettings(
        database_url=database_url(request, "resq", backend),
        data_dir=request.getfixturevalue("tmp_path_factory").mktemp("resq-data"),
        ai_token=AI_TOKEN,
        ai_rate_limit="100000/minute",  # the limit has its own test; here it would hide bugs
    )

    async def build() -> Built:
        runtime = build_resq(settings, clock=FrozenClock())
        context = runtime.app.state.resq
        now = context.clock.now()
        async with runtime.db.transaction() as session:
            await seed_demo_campus(session, now)
            users = await session.execute(select(User).where(User.username.in_(USERS.values())))
            tokens = {
                user.username: context.tokens.issue(
                    Principal(user.id, user.username, user.role), now
                )
                for user in users.scalars()
            }
        headers = {role: bearer(tokens[username]) for role, username in USERS.items()}
        return runtime, {**headers, "anonymous": {}, "model_server": bearer(AI_TOKEN)}

    async def stop(built: Built) -> None:
        await built[0].stop()

    return build, stop


@pytest.fixture(scope="module")
def resq_on(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Served]]:
    with service_pool(lambda backend: resq(request, backend)) as pool:
        yield pool


@pytest.fixture(scope="module", params=role_params(["anonymous", *WRITERS], WRITERS))
def role_headers(
    request: pytest.FixtureRequest, resq_on: Callable[[str], Served]
) -> dict[str, str]:
    role, backend = request.param
    bridge.target = resq_on(backend)
    return bridge.target.headers[role]


@schema.exclude(path=SIGN_IN).parametrize()
@FUZZ
def test_resq_api(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    call_and_validate(case, role_headers)


@schema.include(path=SIGN_IN).parametrize()
@FUZZ
@pytest.mark.parametrize(
    "role_headers", [("anonymous", "sqlite")], indirect=True, ids=["anonymous-sqlite"]
)
def test_resq_sign_in(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    """Signing in reads no token, so once is enough (each attempt costs an argon2 hash)."""
    call_and_validate(case, role_headers)
