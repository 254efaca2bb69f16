"""docs/api.md lists every route of the three services, as their OpenAPI schemas say today."""

from __future__ import annotations

from pathlib import Path

from safewatch.api_reference import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_the_api_overview_is_current() -> None:
    assert DOC.read_text() == render(), "run `safewatch api-docs > docs/api.md`"


def test_every_route_says_who_may_call_it() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    assert len(rows) > 40
    assert [row for row in rows if "auth" not in row] == []


def test_every_route_declares_the_errors_of_its_auth_rule_and_its_ids() -> None:
    """A route behind an auth rule answers 401; one with an id in its path answers 404."""
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    for row in rows:
        route, summary, errors = (cell.strip() for cell in row.strip("|").split(" | "))
        codes = errors.split(", ")
        if "auth: public" not in summary:
            assert "401" in codes, row
        if "{" in route:
            assert "404" in codes, row
