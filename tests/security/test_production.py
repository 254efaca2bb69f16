"""SAFEWATCH_ENV=production: no API docs or schema served; an unexpected error answers a bare
JSON 500 (no traceback, SQL or exception text) that carries its request id; and no CORS
headers for any origin (none is configured, so browsers keep other sites out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from sqlalchemy.exc import ProgrammingError
from structlog.testing import capture_logs

from safewatch.atlas.app import build_atlas
from safewatch.atlas.classify import service as atlas_classify
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.service import ServiceRuntime
from safewatch.halo.incidents import repository as halo_incidents
from safewatch.resq.detections import router as resq_detections
from safewatch.resq.settings import ResqSettings
from tests.atlas.conftest import product_headers
from tests.halo.conftest import HaloFactory

PRODUCTION = {"environment": "production"}
SQL = "SELECT password_hash FROM users WHERE username = 'anna'"
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}


class Failure(NamedTuple):
    """A real route, and the function behind it made to fail."""

    module: Any
    function: str
    method: str
    path: str
    request: dict[str, Any]


FAILURES = {
    "resq": Failure(
        resq_detections, "process_detection", "POST", "/api/ai/violence-detected/", {"json": FIGHT}
    ),
    "halo": Failure(halo_incidents, "search", "GET", "/api/v1/incidents", {}),
    "atlas": Failure(
        atlas_classify,
        "check_requests",
        "POST",
        "/api/v1/classify/threat",
        {"json": {"type": "text", "data": "Fight"}, "headers": product_headers("halo")},
    ),
}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # what the process answers does not depend on the database


@pytest.fixture
def resq_settings(database_url: Callable[[str], str], tmp_path: Path) -> ResqSettings:
    return ResqSettings(database_url=database_url("resq"), data_dir=tmp_path, **PRODUCTION)


@pytest.fixture
async def services(
    resq: ServiceRuntime, make_halo: HaloFactory, atlas_settings: AtlasSettings
) -> AsyncIterator[dict[str, ServiceRuntime]]:
    """The three services as production runs them (Atlas not started: these routes fail or
    answer before it needs its model)."""
    atlas = build_atlas(AtlasSettings.model_validate(atlas_settings.model_dump() | PRODUCTION))
    yield {"resq": resq, "halo": await make_halo(**PRODUCTION), "atlas": atlas}
    await atlas.stop()


def client_for(runtime: ServiceRuntime) -> httpx.AsyncClient:
    # The app answers the 500, then re-raises for the server's log: take the answer.
    transport = httpx.ASGITransport(app=runtime.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service")


async def test_no_docs_or_schema_in_production(services: dict[str, ServiceRuntime]) -> None:
    for name, runtime in services.items():
        assert runtime.app.openapi_url is None, name
        async with client_for(runtime) as client:
            for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
                response = await client.get(path)
                assert response.status_code == 404, (name, path)
                assert response.json()["error"]["code"] == "not_found"


async def test_an_unexpected_error_answers_a_bare_json_500(
    services: dict[str, ServiceRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise ProgrammingError(SQL, {}, Exception('relation "users" does not exist'))

    for name, failure in FAILURES.items():
        monkeypatch.setattr(failure.module, failure.function, fail)
        with capture_logs() as logs:
            async with client_for(services[name]) as client:
                response = await client.request(failure.method, failure.path, **failure.request)
        assert response.status_code == 500, (name, response.text)
        assert response.headers["content-type"] == "application/json"
        error = response.json()["error"]
        assert (error["code"], error["message"], error["details"]) == (
            "internal_error",
            "Internal server error",
            None,
        )
        for leak in ("Traceback", "SELECT", "password_hash", "users", "ProgrammingError"):
            assert leak not in response.text, (name, leak)
        # The id in the answer finds the full story in the log, and the header agrees.
        (logged,) = [e for e in logs if e["event"] == "unhandled_error"]
        assert error["request_id"] == response.headers["x-request-id"] == logged["request_id"]


async def test_no_origin_is_allowed_cross_site(services: dict[str, ServiceRuntime]) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x"}
    for name, runtime in services.items():
        async with client_for(runtime) as client:
            for origin in ("https://evil.example", "null", f"http://{name}"):
                answers = [
                    await client.get("/healthz", headers={"Origin": origin}),
                    await client.options(
                        FAILURES[name].path, headers={"Origin": origin, **preflight}
                    ),
                ]
                for response in answers:
                    allowed = {h for h in response.headers if h.startswith("access-control-")}
                    assert allowed == set(), (name, origin, response.request.method, allowed)
