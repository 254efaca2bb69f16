"""docs/configuration.md is what `safewatch settings` prints: every setting, none stale."""

from __future__ import annotations

from pathlib import Path

from safewatch.settings_reference import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_the_configuration_page_is_current() -> None:
    assert DOC.read_text() == render(), "run `safewatch settings > docs/configuration.md`"


def test_every_setting_is_explained() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    assert len(rows) > 80
    assert [row for row in rows if row.endswith("|  |")] == []
    for name in ("RESQ_AI_TOKEN", "API_KEY_HALO", "ATLAS_API_URL", "HALO_ATLAS_DEADLINE_MS"):
        assert any(row.startswith(f"| `{name}`") for row in rows), name
