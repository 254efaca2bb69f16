"""Object-level access over every route that takes an incident or alert id.

Someone not involved must learn nothing: their answer for a real incident is the same as for an
id that does not exist (404, or 403 where their role may not use the route at all). The test
fails when a route with an id is added without a recipe here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from safewatch.core.service import ServiceRuntime

Headers = Callable[[str], dict[str, str]]
BODIES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/incidents/{incident_id}/"): None,
    ("POST", "/api/incidents/{incident_id}/arrived/"): None,
    ("POST", "/api/incidents/{incident_id}/resolve/"): {"resolution_code": "handled"},
    ("POST", "/api/incidents/{incident_id}/cancel/"): {"reason": "false alarm"},
    ("GET", "/api/incidents/{incident_id}/messages/"): None,
    ("POST", "/api/incidents/{incident_id}/messages/"): {"body": "hello"},
    ("POST", "/api/alerts/{alert_id}/acknowledge/"): None,
    ("POST", "/api/alerts/{alert_id}/decline/"): None,
}
OUTSIDERS = ("guard5", "student2")


def routes_with_ids(runtime: ServiceRuntime) -> set[tuple[str, str]]:
    paths = runtime.app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if "_id}" in path
        for method in operations
    }


async def call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> tuple[int, str]:
    response = await client.request(
        method, path, headers=headers, json=BODIES[(method, path_template(path))]
    )
    return response.status_code, response.json()["error"]["code"]


def path_template(path: str) -> str:
    parts = path.strip("/").split("/")
    if parts[1] == "incidents":
        parts[2] = "{incident_id}"
    elif parts[1] == "alerts":
        parts[2] = "{alert_id}"
    return "/" + "/".join(parts) + "/"


async def incident_with_a_student(client: httpx.AsyncClient, signed_in: Headers) -> str:
    """A detected fight at the Library 3F entrance, and student1's SOS there joining it."""
    body = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}
    incident_id = (await client.post("/api/ai/violence-detected/", json=body)).json()
    await client.post(
        "/api/sos/", headers=signed_in("student1"), json={"beacon_id": "safe:uuid:403:403"}
    )
    return str(incident_id["incident_id"])


async def test_every_id_route_has_a_recipe(resq: ServiceRuntime) -> None:
    assert routes_with_ids(resq) == set(BODIES)


async def test_outsiders_cannot_tell_a_real_incident_from_none(
    client: httpx.AsyncClient, resq: ServiceRuntime, signed_in: Headers
) -> None:
    incident_id = await incident_with_a_student(client, signed_in)
    alert_id = (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()[0]["id"]
    await client.post(f"/api/alerts/{alert_id}/acknowledge/", headers=signed_in("guard3"))
    real = {"incident_id": incident_id, "alert_id": str(alert_id)}
    fake = {"incident_id": str(uuid.uuid4()), "alert_id": "987654"}
    for method, template in sorted(BODIES):
        for outsider in OUTSIDERS:
            headers = signed_in(outsider)
            answer = await call(client, method, template.format(**real), headers)
            nothing = await call(client, method, template.format(**fake), headers)
            assert answer == nothing, (method, template, outsider)
            assert answer[0] in (403, 404), (method, template, outsider, answer)


async def test_those_involved_see_the_incident(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    incident_id = await incident_with_a_student(client, signed_in)
    for user in ("dispatcher", "guard1", "guard2", "guard3", "student1"):
        detail = await client.get(f"/api/incidents/{incident_id}/", headers=signed_in(user))
        assert detail.status_code == 200, user
