"""Atlas's OpenAPI schema, fuzzed by schemathesis with no key and with two products' keys (halo
and frontline), against the trained model. No 5xx, no answer outside the schema, no invalid
input accepted, no valid input refused, no status code the schema does not declare."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis

from safewatch.atlas.app import build_atlas
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock
from tests.atlas.conftest import KEYS, product_headers, started
from tests.fuzz.harness import (
    FUZZ,
    Built,
    Served,
    call_and_validate,
    service_schema,
    serving,
    sqlite_url,
)

ROLES = ["no_key", "halo", "frontline"]

schema, bridge = service_schema("Atlas")


@pytest.fixture(scope="module")
def atlas(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Atlas with the base model and every product's key."""
    settings = AtlasSettings.model_validate(
        {
            "database_url": sqlite_url(request, "atlas"),
            "data_dir": request.getfixturevalue("tmp_path_factory").mktemp("atlas-data"),
            "model_dir": request.getfixturevalue("model_dir"),
            "rate_limit": "100000/minute",  # the limit has its own test; here it would hide bugs
            **{f"API_KEY_{product.upper()}": key for product, key in KEYS.items()},
        }
    )

    async def build() -> Built:
        runtime = await started(build_atlas(settings, clock=FrozenClock()))
        products = {role: product_headers(role) for role in ROLES if role != "no_key"}
        return runtime, {**products, "no_key": {}}

    async def stop(built: Built) -> None:
        await built[0].stop()

    with serving(build, stop) as served:
        yield served


@pytest.fixture(scope="module", params=ROLES)
def role_headers(request: pytest.FixtureRequest, atlas: Served) -> dict[str, str]:
    bridge.target = atlas
    return atlas.headers[request.param]


@schema.parametrize()
@FUZZ
def test_atlas_api(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    call_and_validate(case, role_headers)
