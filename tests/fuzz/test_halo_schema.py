"""Halo's OpenAPI schema, fuzzed by schemathesis for each role: anonymous, reporter and
validator with Atlas unreachable (Halo falls back), and anonymous once more with a (fake) Atlas
that answers. No 5xx, no answer outside the schema, no invalid input accepted, no valid input
refused, no status code the schema does not declare."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis

from safewatch.core.auth import Principal
from safewatch.core.clock import FrozenClock
from safewatch.core.testing.servers import free_port
from safewatch.halo.app import build_halo
from safewatch.halo.auth.service import add_user
from safewatch.halo.models import REPORTER, VALIDATOR
from safewatch.halo.settings import HaloSettings
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
from tests.halo.fake_atlas import FakeAtlas, running_fake

ATLAS_UP = "anonymous_atlas_up"  # the one role whose Halo has an Atlas that answers
SIGN_IN = "/api/auth/token/"

schema, bridge = service_schema("Halo")


def halo(request: pytest.FixtureRequest, backend: str, atlas_url: str) -> tuple[Build, Stop]:
    settings = HaloSettings.model_validate(
        {
            "database_url": database_url(request, "halo", backend),
            "data_dir": request.getfixturevalue("tmp_path_factory").mktemp("halo-data"),
            "report_rate_limit": "100000/minute",  # the limit has its own test
            "atlas": {"api_url": atlas_url, "api_key": "fuzz-halo-key-0123456789"},
        }
    )

    async def build() -> Built:
        runtime = build_halo(settings, clock=FrozenClock())
        await runtime.start()
        context = runtime.app.state.halo
        now = context.clock.now()
        headers = {"anonymous": {}, ATLAS_UP: {}}
        async with runtime.db.transaction() as session:
            for role in (REPORTER, VALIDATOR):
                user = await add_user(session, f"fuzz-{role}", "Fuzz User", role, "pw-fuzz", now)
                principal = Principal(user.id, user.username, user.role)
                headers[role] = bearer(context.tokens.issue(principal, now))
        return runtime, headers

    async def stop(built: Built) -> None:
        await built[0].stop()

    return build, stop


@pytest.fixture(scope="module")
def halo_on(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Served]]:
    """Halo by database, its Atlas a closed port (reports fall back, media answers 503); and
    "atlas_up", on SQLite, whose Atlas is a fake on loopback that answers."""
    with running_fake(FakeAtlas()) as fake_url:

        def make(key: str) -> tuple[Build, Stop]:
            if key == "atlas_up":
                return halo(request, "sqlite", fake_url)
            return halo(request, key, f"http://127.0.0.1:{free_port()}")

        with service_pool(make) as pool:
            yield pool


@pytest.fixture(
    scope="module",
    params=role_params(["anonymous", REPORTER, VALIDATOR, ATLAS_UP], ["anonymous", VALIDATOR]),
)
def role_headers(
    request: pytest.FixtureRequest, halo_on: Callable[[str], Served]
) -> dict[str, str]:
    role, backend = request.param
    bridge.target = halo_on("atlas_up" if role == ATLAS_UP else backend)
    return bridge.target.headers[role]


@schema.exclude(path=SIGN_IN).parametrize()
@FUZZ
def test_halo_api(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    call_and_validate(case, role_headers)


@schema.include(path=SIGN_IN).parametrize()
@FUZZ
@pytest.mark.parametrize(
    "role_headers", [("anonymous", "sqlite")], indirect=True, ids=["anonymous-sqlite"]
)
def test_halo_sign_in(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    """Signing in reads no token, so once is enough (each attempt costs an argon2 hash)."""
    call_and_validate(case, role_headers)
