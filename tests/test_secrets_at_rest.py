"""No password, token or API key in a service's log or in a dump of its database, after real
processes were used with them (the token also as /ws?token=...)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from safewatch.core.testing.servers import serve_process

PASSWORD = "a-password-that-must-never-be-stored"
HALO_KEY = "halo-env-key-that-must-never-be-stored-0123"


async def dump_text(url: str, data_dir: Path, service: str) -> str:
    """Every row of every table, as text: what a backup would hold."""
    if not url.startswith("postgresql"):
        with sqlite3.connect(data_dir / f"{service}.db") as db:
            tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return "\n".join(str(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        rows = []
        for (table,) in tables:
            rows += [str(dict(r)) for r in await connection.fetch(f'SELECT * FROM "{table}"')]
        return "\n".join(rows)
    finally:
        await connection.close()


def logs(data_dir: Path) -> str:
    return "\n".join(path.read_text() for path in data_dir.glob("*.log"))


@pytest.mark.server
async def test_resq_keeps_no_password_or_token(
    database_url: Callable[[str], str], tmp_path: Path
) -> None:
    url = database_url("resq")
    env = {"RESQ_DATABASE_URL": url, "SAFEWATCH_DEMO_PASSWORD": PASSWORD}
    verbose = ("--demo", "--log-level", "info")  # access log lines too
    with serve_process("resq", data_dir=tmp_path, env=env, extra_args=verbose) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            signed = await http.post(
                "/api/auth/token/", json={"username": "guard3", "password": PASSWORD}
            )
            token = signed.json()["access_token"]
            assert (
                await http.get("/api/alerts/", headers={"Authorization": f"Bearer {token}"})
            ).status_code == 200
            bad = await http.get("/api/alerts/", headers={"Authorization": f"Bearer {token}x"})
            assert bad.status_code == 401
            async with connect(f"ws{base.removeprefix('http')}/ws?token={token}") as socket:
                assert json.loads(await socket.recv())["type"] == "ready"
        await asyncio.sleep(0.5)  # the access log line of the socket
    dump = await dump_text(url, tmp_path, "resq")
    assert "guard3" in dump and "$argon2id$" in dump  # the users table was read
    assert PASSWORD not in dump and token not in dump
    # `serve --demo` shows the demo password to a person at a terminal only: nothing written
    # (its output here goes to a file) may hold it.
    written = logs(tmp_path)
    assert '"path": "/api/auth/token/"' in written and '"status": 401' in written  # logged
    assert PASSWORD not in written and token not in written
    assert token.split(".")[2] not in written  # not even the signature


@pytest.mark.server
async def test_atlas_keeps_no_api_key(
    database_url: Callable[[str], str], tmp_path: Path, model_dir: Path
) -> None:
    url = database_url("atlas")
    env = {"ATLAS_DATABASE_URL": url, "API_KEY_HALO": HALO_KEY, "ATLAS_MODEL_DIR": str(model_dir)}
    command = [sys.executable, "-m", "safewatch", "atlas", "keys", "create", "--product", "sait"]
    created = subprocess.run(  # noqa: ASYNC221 (before any server: nothing else runs)
        [*command, "--data-dir", str(tmp_path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    sait_key = created.stdout.strip().splitlines()[-1]
    with serve_process(
        "atlas", data_dir=tmp_path, env=env, extra_args=("--log-level", "info")
    ) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for product, key in (("halo", HALO_KEY), ("sait", sait_key)):
                answer = await http.post(
                    "/api/v1/classify/threat",
                    headers={"X-API-Key": key, "X-Product": product},
                    json={"type": "text", "data": "Gunshots heard"},
                )
                assert answer.status_code == 200, answer.text
            wrong = await http.get(
                "/api/v1/models", headers={"X-API-Key": f"{sait_key}x", "X-Product": "sait"}
            )
            assert wrong.status_code == 401
    dump = await dump_text(url, tmp_path, "atlas")
    assert hashlib.sha256(sait_key.encode()).hexdigest() in dump  # the keys table was read
    assert sait_key not in dump and HALO_KEY not in dump
    written = logs(tmp_path) + created.stderr
    assert "/api/v1/classify/threat" in written
    assert sait_key not in written and HALO_KEY not in written
