"""Shared HTTP behaviour: readiness, production settings, body limits, log redaction, errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from safewatch.atlas.app import build_atlas
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.db.base import UTCDateTime
from safewatch.core.errors import install_error_handlers
from safewatch.core.logging import configure_logging
from safewatch.halo.app import build_halo
from safewatch.halo.settings import HaloSettings


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")  # type: ignore[arg-type]


async def test_readyz_is_503_until_migrations_are_applied(tmp_path: Path) -> None:
    runtime = build_halo(HaloSettings(data_dir=tmp_path))
    async with client(runtime.app) as http:
        before = await http.get("/readyz")
        await runtime.migrate()
        after = await http.get("/readyz")
    await runtime.stop()
    assert before.status_code == 503
    assert before.json()["checks"] == {"database": True, "migrations": False}
    assert after.status_code == 200


async def test_production_hides_the_api_docs(tmp_path: Path) -> None:
    runtime = build_atlas(AtlasSettings(data_dir=tmp_path, environment="production"))
    async with client(runtime.app) as http:
        assert (await http.get("/docs")).status_code == 404
        assert (await http.get("/openapi.json")).status_code == 404
        assert (await http.get("/healthz")).status_code == 200
    await runtime.stop()


@pytest.fixture
async def resq_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    from safewatch.resq.app import build_resq
    from safewatch.resq.settings import ResqSettings

    runtime = build_resq(ResqSettings(data_dir=tmp_path, max_body_bytes=1000))
    await runtime.migrate()
    async with client(runtime.app) as http:
        yield http
    await runtime.stop()


async def test_streamed_body_over_the_limit_is_413(resq_client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"beacon_id": "safe:uuid:403:403", "description": "'
        for _ in range(50):
            yield b"x" * 100
        yield b'", "confidence_score": 0.9}'

    response = await resq_client.post(
        "/api/ai/violence-detected/", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_logs_redact_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", json=True)
    structlog.get_logger("t").info(
        "login", authorization="Bearer abc.def", api_key="k-123", user="guard1"
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["authorization"] == "[redacted]" and line["api_key"] == "[redacted]"
    assert line["user"] == "guard1"


@pytest.mark.parametrize(
    ("chosen", "terminal", "json_lines"),
    [("json", True, True), ("console", False, False), ("", True, False), ("", False, True)],
)
def test_log_format_follows_the_setting_else_the_terminal(
    chosen: str,
    terminal: bool,
    json_lines: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SAFEWATCH_LOG_FORMAT decides; unset, a person at a terminal reads lines, a pipe JSON."""
    monkeypatch.setenv("SAFEWATCH_LOG_FORMAT", chosen)
    monkeypatch.setattr("sys.stderr.isatty", lambda: terminal)
    configure_logging("info")
    structlog.get_logger("t").info("service_listening", service="resq")
    line = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().err.strip().splitlines()[-1])
    if json_lines:
        assert json.loads(line)["event"] == "service_listening"
    else:
        assert "service_listening" in line and "service=resq" in line
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
    configure_logging("info", json=True)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=None)  # type: ignore[arg-type]


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/work")
    async def work() -> None:
        raise error

    return app


async def test_a_lost_database_connection_is_a_503_to_retry() -> None:
    lost = DBAPIError("SELECT 1", None, ConnectionError("terminated"), connection_invalidated=True)
    transport = httpx.ASGITransport(app=app_raising(lost))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        response = await http.get("/work")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "service_unavailable"


async def test_any_other_database_error_stays_a_500() -> None:
    broken = DBAPIError("SELEC 1", None, ValueError("syntax error"))
    transport = httpx.ASGITransport(app=app_raising(broken), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        response = await http.get("/work")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
