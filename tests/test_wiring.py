"""`serve` wires the services of one process to each other, and says so in its start block."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select
from structlog.testing import capture_logs

from safewatch.atlas.models import ApiKey
from safewatch.core.auth import hash_api_key
from safewatch.core.service import ServiceRuntime
from safewatch.server import build_runtimes
from safewatch.start_block import show

PORTS = {"resq": 18100, "atlas": 18101, "halo": 18102}
OPERATOR_SETTINGS = ("ATLAS_API_URL", "ATLAS_API_KEY", "RESQ_ATLAS_API_URL", "RESQ_ATLAS_API_KEY")


@pytest.fixture(autouse=True)
def no_operator_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*OPERATOR_SETTINGS, "SAFEWATCH_DEMO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name in ("RESQ", "ATLAS", "HALO"):
        monkeypatch.delenv(f"{name}_DATABASE_URL", raising=False)


def runtimes(data_dir: Path, **options: object) -> dict[str, ServiceRuntime]:
    built = build_runtimes(["resq", "atlas", "halo"], data_dir=data_dir, ports=PORTS, **options)  # type: ignore[arg-type]
    return {runtime.name: runtime for runtime in built}


async def stored_keys(atlas: ServiceRuntime) -> list[ApiKey]:
    async with atlas.db.sessions() as session:
        return list(await session.scalars(select(ApiKey).order_by(ApiKey.product)))


async def test_halo_and_resq_get_the_local_atlas_and_keys_it_knows(tmp_path: Path) -> None:
    services = runtimes(tmp_path, wire=True)
    halo = services["halo"].app.state.halo.settings.atlas
    resq = services["resq"].app.state.resq.settings
    assert halo.api_url == resq.atlas_api_url == "http://127.0.0.1:18101"
    assert halo.api_key is not None and resq.atlas_api_key is not None
    atlas = services["atlas"]
    await atlas.migrate()
    await atlas.on_start[0]()  # registration runs first, before Atlas answers anyone
    await atlas.on_start[0]()  # and again at the next start: nothing doubles
    keys = await stored_keys(atlas)
    assert [(k.product, k.revoked_at) for k in keys] == [("halo", None), ("resq", None)]
    assert keys[0].key_hash == hash_api_key(halo.api_key.get_secret_value())
    assert keys[1].key_hash == hash_api_key(resq.atlas_api_key.get_secret_value())
    # Restarting reads the same kept keys.
    again = runtimes(tmp_path, wire=True)["halo"].app.state.halo.settings.atlas
    assert again.api_key == halo.api_key
    for runtime in services.values():
        await runtime.db.dispose()


async def test_a_key_an_operator_revoked_stays_revoked(tmp_path: Path) -> None:
    atlas = runtimes(tmp_path, wire=True)["atlas"]
    await atlas.migrate()
    register = atlas.on_start[0]
    await register()
    async with atlas.db.transaction() as session:
        for key in await session.scalars(select(ApiKey).where(ApiKey.product == "halo")):
            key.revoked_at = key.created_at
    with capture_logs() as logs:
        await register()
    assert [k.revoked_at is not None for k in await stored_keys(atlas)] == [True, False]
    (warning,) = [e for e in logs if e["event"] == "local_atlas_key_revoked"]
    assert warning["product"] == "halo" and "halo.key" in warning["hint"]
    await atlas.db.dispose()


def test_the_operators_atlas_settings_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_API_URL", "https://atlas.example.org")
    monkeypatch.setenv("RESQ_ATLAS_API_KEY", "resq-key-from-the-operator")
    services = runtimes(tmp_path, wire=True)
    halo = services["halo"].app.state.halo.settings.atlas
    assert (halo.api_url, halo.api_key) == ("https://atlas.example.org", None)
    resq = services["resq"].app.state.resq.settings
    assert resq.atlas_api_key.get_secret_value() == "resq-key-from-the-operator"
    assert resq.atlas_api_url is None  # half set: ResQ reports nowhere rather than guess
    assert not (tmp_path / "atlas-keys").exists()
    assert "NOT connected to Atlas" in " ".join(services["halo"].notes)


def test_without_the_demo_the_start_block_suggests_no_demo(tmp_path: Path) -> None:
    """`safewatch demo` needs the demo users: the block points at it only when they exist."""
    console = Console(record=True, width=120, force_terminal=True)
    show(
        list(runtimes(tmp_path, wire=True).values()),
        host="127.0.0.1",
        data_dir=tmp_path,
        console=console,
    )
    text = console.export_text()
    assert "http://127.0.0.1:18100/console/" in text
    assert "safewatch demo" not in text and "password" not in text


def test_commands_that_only_look_wire_nothing(tmp_path: Path) -> None:
    """`migrate` and `jobs` build runtimes without wiring: no keys are made."""
    halo = runtimes(tmp_path)["halo"].app.state.halo.settings.atlas
    assert halo.api_key is None
    assert not (tmp_path / "atlas-keys").exists()


def test_the_start_block_shows_pages_sign_ins_and_links(tmp_path: Path) -> None:
    services = runtimes(tmp_path, wire=True, demo=True)
    console = Console(record=True, width=80, force_terminal=True)
    show(list(services.values()), host="0.0.0.0", data_dir=tmp_path, console=console)
    text = console.export_text()
    password = (tmp_path / "demo-password.txt").read_text().strip()
    for expected in (
        "http://127.0.0.1:18100/console/guard",  # whole, though wider than the terminal
        "http://127.0.0.1:18101/",
        "http://127.0.0.1:18102/docs",
        "guard1 ... guard7",
        f"Their password: {password}",
        f"kept in {tmp_path / 'demo-password.txt'}",
        "Classifies reports through Atlas at http://127.0.0.1:18101",
        "safewatch demo",
    ):
        assert expected in text, expected


def test_off_a_terminal_the_start_block_hides_the_password(tmp_path: Path) -> None:
    """Printed into a pipe or a service manager's journal, the block would be kept in logs."""
    services = runtimes(tmp_path, wire=True, demo=True)
    console = Console(record=True, width=80, force_terminal=False)
    show(list(services.values()), host="127.0.0.1", data_dir=tmp_path, console=console)
    text = console.export_text()
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert password not in text
    assert "Their password: (shown on a terminal only)" in text
    assert f"kept in {tmp_path / 'demo-password.txt'}" in text


async def test_the_demo_password_is_never_logged(tmp_path: Path) -> None:
    resq = build_runtimes(["resq"], data_dir=tmp_path, ports=PORTS, demo=True)[0]
    with capture_logs() as logs:
        await resq.start()
        await resq.stop()
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert any(e["event"] == "demo_campus_loaded" for e in logs)
    assert not [e for e in logs if password in str(e)]
