"""Raw answers, byte for byte: the seed's detection answers and the incident answers keep their
key order, which keys are present, nulls, float and datetime formats (typed models must not
change a byte a client reads)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from safewatch.core.clock import FrozenClock

Headers = Callable[[str], dict[str, str]]
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"}


def seed_bytes(answer: dict[str, object]) -> bytes:
    """How the seed writes JSON: compact, keys in the order given, UTF-8."""
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()


async def test_each_detection_answer_byte_for_byte(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/ai/violence-detected/", json=FIGHT)
    incident = created.json()["incident_id"]
    assert created.status_code == 201
    assert created.content == seed_bytes(
        {
            "status": "incident_created",
            "ai_event_id": 1,
            "incident_id": incident,
            "signal_id": 1,
            "confidence_score": 0.92,
            "beacon_location": "Library 3F Entrance",
            "incident_status": "CREATED",
            "incident_priority": "Critical",
        }
    )
    joined = await client.post(
        "/api/ai/ai-detection/", json={**FIGHT, "event_type": "Scream", "confidence_score": 1}
    )
    assert joined.status_code == 200
    assert joined.content == seed_bytes(
        {
            "status": "signal_added_to_existing",
            "ai_event_id": 2,
            "incident_id": incident,
            "signal_id": 2,
            "confidence_score": 1.0,
            "beacon_location": "Library 3F Entrance",
            "incident_status": "CREATED",
            "incident_priority": "Critical",
        }
    )
    logged = await client.post("/api/ai/scream-detected/", json={**FIGHT, "confidence_score": 0.5})
    assert logged.status_code == 200
    assert logged.content == seed_bytes(
        {
            "status": "logged_only",
            "ai_event_id": 3,
            "confidence_score": 0.5,
            "threshold": 0.8,
            "message": "Confidence 0.50 below threshold 0.80",
        }
    )


# Recorded from the hand-built dicts before the incident routes had typed models; "{incident}"
# stands for the incident's id.
INCIDENT_ANSWERS = json.loads((Path(__file__).parent / "incident_answers.json").read_text())


async def test_incident_answers_byte_for_byte(
    client: httpx.AsyncClient, signed_in: Headers, clock: FrozenClock
) -> None:
    incident = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()["incident_id"]
    clock.advance(1.5)
    await client.post("/api/ai/scream-detected/", json={**FIGHT, "description": "Scream"})
    [alert] = (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()
    clock.advance(20)
    await client.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=signed_in("guard3"))
    sos = {"beacon_id": FIGHT["beacon_id"], "text": "help"}
    await client.post("/api/sos/", headers=signed_in("student1"), json=sos)
    clock.advance(90)
    answers = {
        "arrived": await client.post(
            f"/api/incidents/{incident}/arrived/", headers=signed_in("guard3")
        )
    }
    for who in ("dispatcher", "guard3", "student1"):
        answers[who] = await client.get(f"/api/incidents/{incident}/", headers=signed_in(who))
    answers["student1-list"] = await client.get(
        "/api/incidents/?limit=5", headers=signed_in("student1")
    )
    answers["cancel"] = await client.post(
        f"/api/incidents/{incident}/cancel/",
        headers=signed_in("dispatcher"),
        json={"reason": "False alarm"},
    )
    for name, answer in answers.items():
        assert answer.status_code == 200, answer.text
        expected = INCIDENT_ANSWERS[name].replace("{incident}", incident)
        assert answer.content == expected.encode(), name
