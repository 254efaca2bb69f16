"""Input the schema fuzz tests found accepted (lax types) or answered 500 (NUL text on
PostgreSQL): each is now a 422 saying what to send, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from safewatch.halo.models import VALIDATOR
from tests.halo.conftest import STOCKHOLM, HaloFactory, bearer, http, sign_up

ATLAS_DOWN = "http://127.0.0.1:9"  # nothing listens there: Halo falls back
REPORT = {"description": "Fight outside the bar", **STOCKHOLM}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"longitude": False}, "longitude: Input should be a valid number"),
        ({"latitude": "59.3"}, "latitude: Input should be a valid number"),
        ({"occurred_at": 0}, "occurred_at: Value error, send an ISO 8601 date-time"),
        ({"occurred_at": "1700000000"}, "occurred_at: Value error, send an ISO 8601 date-time"),
        ({"description": "Fight\u0000here"}, "description: Value error, remove the NUL"),
        ({"incident_type": "a\u0000b"}, "incident_type: Value error, remove the NUL"),
    ],
)
async def test_a_report_takes_only_what_the_schema_says(
    make_halo: HaloFactory, change: dict[str, Any], message: str
) -> None:
    runtime = await make_halo(ATLAS_DOWN)
    async with http(runtime) as client:
        response = await client.post("/api/v1/incidents", json={**REPORT, **change})
        listed = await client.get("/api/v1/incidents")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith(message)
    assert listed.json()["count"] == 0


async def test_validated_by_with_nul_is_422(make_halo: HaloFactory) -> None:
    runtime = await make_halo(ATLAS_DOWN)
    token = await sign_up(runtime, "vera", "Vera Validator", VALIDATOR)
    async with http(runtime) as client:
        created = await client.post("/api/v1/incidents", json=REPORT)
        response = await client.patch(
            f"/api/v1/incidents/{created.json()['id']}/validate",
            params={"actual_category": "violence", "validated_by": "vera\u0000"},
            headers=bearer(token),
        )
    assert response.status_code == 422, response.text
    assert "remove the NUL character" in response.json()["error"]["message"]


async def test_cell_outlines_take_only_h3_text(make_halo: HaloFactory) -> None:
    """`-29275788` made h3 overflow (500); any text not shaped like an H3 index is a 422."""
    runtime = await make_halo(ATLAS_DOWN)
    async with http(runtime) as client:
        for cell in ("-29275788", "89088661D5BFFFF", "zz"):
            response = await client.get("/web/cells", params={"cell": cell})
            assert response.status_code == 422, (cell, response.text)
        good = await client.get("/web/cells", params={"cell": "89088661d5bffff"})
    assert len(good.json()["89088661d5bffff"]) == 6
