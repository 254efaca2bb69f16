"""Every Halo route states its auth rule (the migrations' check: test_migrations.py)."""

from __future__ import annotations

from pathlib import Path

from safewatch.halo.app import build_halo
from safewatch.halo.settings import HaloSettings


def test_every_route_states_its_auth_rule(tmp_path: Path) -> None:
    app = build_halo(HaloSettings(data_dir=tmp_path)).app
    for path, methods in app.openapi()["paths"].items():
        if path in ("/healthz", "/readyz", "/metrics"):
            continue
        for method, operation in methods.items():
            assert "(auth:" in operation["summary"], f"{method.upper()} {path}"
