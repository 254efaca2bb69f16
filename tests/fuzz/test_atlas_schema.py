"""Atlas's OpenAPI schema, fuzzed by schemathesis with no key and with two products' keys (halo
and frontline), against the trained model. No 5xx, no answer outside the schema, no invalid
input accepted, no valid input refused, no status code the schema does not declare."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis

from safewatch.atlas.app import build_atlas
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock
from tests.atlas.conftest import KEYS, product_headers, started
from tests.fuzz.harness import (
    FUZZ,
    Build,
    Built,
    Served,
    Stop,
    call_and_validate,
    database_url,
    role_params,
    service_pool,
    service_schema,
)

PRODUCTS = ["halo", "frontline"]

schema, bridge = service_schema("Atlas")


def atlas(request: pytest.FixtureRequest, backend: str) -> tuple[Build, Stop]:
    """Atlas with the base model and every product's key."""
    settings = AtlasSettings.model_validate(
        {
            "database_url": database_url(request, "atlas", backend),
            "data_dir": request.getfixturevalue("tmp_path_factory").mktemp("atlas-data"),
            "model_dir": request.getfixturevalue("model_dir"),
            "rate_limit": "100000/minute",  # the limit has its own test; here it would hide bugs
            **{f"API_KEY_{product.upper()}": key for product, key in KEYS.items()},
        }
    )

    async def build() -> Built:
        runtime = await started(build_atlas(settings, clock=FrozenClock()))
        products = {product: product_headers(product) for product in PRODUCTS}
        return runtime, {**products, "no_key": {}}

    async def stop(built: Built) -> None:
        await built[0].stop()

    return build, stop


@pytest.fixture(scope="module")
def atlas_on(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Served]]:
    with service_pool(lambda backend: atlas(request, backend)) as pool:
        yield pool


# On PostgreSQL one product: the products' routes and rules are the same.
@pytest.fixture(scope="module", params=role_params(["no_key", *PRODUCTS], ["halo"]))
def role_headers(
    request: pytest.FixtureRequest, atlas_on: Callable[[str], Served]
) -> dict[str, str]:
    role, backend = request.param
    bridge.target = atlas_on(backend)
    return bridge.target.headers[role]


@schema.parametrize()
@FUZZ
def test_atlas_api(case: schemathesis.Case, role_headers: dict[str, str]) -> None:
    call_and_validate(case, role_headers)
