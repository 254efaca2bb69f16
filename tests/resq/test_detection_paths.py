"""Beyond the seed's own cases (test_detection_api.py, kept as the seed wrote them): the legacy
endpoint at the seed table's path, and a JSON body sent without a JSON Content-Type."""

from __future__ import annotations

import json

import httpx
import pytest

from safewatch.core.service import ServiceRuntime
from safewatch.resq.models import AIEvent
from tests.resq.test_detection_api import VIOLENCE, count


async def test_legacy_endpoint_also_answers_at_the_seed_tables_path(
    client: httpx.AsyncClient,
) -> None:
    """The seed's comparison table gives `/ai-detection/`; its other rows leave out `/api`."""
    for n, path in enumerate(("/api/ai-detection/", "/ai-detection/")):
        beacon = ("safe:uuid:501:501", "safe:uuid:601:601")[n]
        created = await client.post(
            path, json={"beacon_id": beacon, "confidence_score": 0.9, "event_type": "violence"}
        )
        assert created.status_code == 201
        assert created.json()["incident_priority"] == "Critical"
        bad = await client.post(
            path, json={"beacon_id": beacon, "confidence_score": 0.9, "event_type": "fire"}
        )
        assert bad.status_code == 400
        assert bad.json() == {"error": 'event_type must be "violence" or "scream"'}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_json_without_a_json_content_type_is_400_naming_the_header(
    client: httpx.AsyncClient, resq: ServiceRuntime, content_type: str | None
) -> None:
    raw = json.dumps(
        {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "x"}
    )
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(VIOLENCE, content=raw, headers=headers)
    assert response.status_code == 400
    said = f"Content-Type is {content_type}" if content_type else "Content-Type is missing"
    assert response.json() == {
        "error": f"{said}: send Content-Type: application/json with the JSON body"
    }
    assert await count(resq, AIEvent) == 0
