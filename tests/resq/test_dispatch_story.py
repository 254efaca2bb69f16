"""The whole story through the API: detection, ranked alerts, accept, arrive, resolve."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from safewatch.core.clock import FrozenClock
from tests.resq.conftest import DEMO_PASSWORD

Headers = Callable[[str], dict[str, str]]
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"}


async def alerts_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    response = await client.get("/api/alerts/", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_sign_in_with_the_demo_password(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    good = await client.post(
        "/api/auth/token/", json={"username": "guard1", "password": DEMO_PASSWORD}
    )
    bad = await client.post("/api/auth/token/", json={"username": "guard1", "password": "nope"})
    nobody = await client.post("/api/auth/token/", json={"username": "x", "password": "nope"})
    assert good.status_code == 200 and good.json()["role"] == "guard"
    assert bad.status_code == 401 and nobody.status_code == 401
    token = good.json()["access_token"]
    me = await client.get("/api/guards/me/", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["current_beacon_id"] == "safe:uuid:101:101"


async def test_detection_to_resolution(
    client: httpx.AsyncClient, signed_in: Headers, clock: FrozenClock
) -> None:
    incident_id = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()[
        "incident_id"
    ]
    ranked = {}
    for guard in ("guard3", "guard2", "guard1"):
        [alert] = await alerts_of(client, signed_in(guard))
        assert alert["incident"]["id"] == incident_id
        assert alert["incident"]["location_name"] == "Library 3F Entrance"
        ranked[alert["priority_rank"]] = (guard, alert["id"])
    assert [ranked[r][0] for r in (1, 2, 3)] == ["guard3", "guard2", "guard1"]
    assert await alerts_of(client, signed_in("guard5")) == []

    clock.advance(20)
    accepted = await client.post(
        f"/api/alerts/{ranked[1][1]}/acknowledge/", headers=signed_in("guard3")
    )
    assert accepted.status_code == 200, accepted.text
    late = await client.post(
        f"/api/alerts/{ranked[2][1]}/acknowledge/", headers=signed_in("guard2")
    )
    assert late.status_code == 409
    assert late.json()["error"]["message"] == "Incident already accepted by Robin Guard"
    assert [a["status"] for a in await alerts_of(client, signed_in("guard1"))] == ["CLOSED"]

    clock.advance(10)
    sos = await client.post(
        "/api/sos/",
        headers=signed_in("student1"),
        json={"beacon_id": FIGHT["beacon_id"], "text": "I am hiding"},
    )
    assert sos.json()["incident_id"] == incident_id  # the student is linked to the incident
    chat = f"/api/incidents/{incident_id}/messages/"
    for user, text in [("student1", "They are still here"), ("guard3", "Stay inside, 1 min")]:
        clock.advance(5)
        sent = await client.post(chat, headers=signed_in(user), json={"body": text})
        assert sent.status_code == 201
    for user in ("student1", "guard3"):
        seen = (await client.get(chat, headers=signed_in(user))).json()["items"]
        assert [(m["sender"], m["body"]) for m in seen] == [
            ("Stella Student", "They are still here"),
            ("Robin Guard", "Stay inside, 1 min"),
        ]

    clock.advance(90)
    arrived = await client.post(
        f"/api/incidents/{incident_id}/arrived/", headers=signed_in("guard3")
    )
    assert arrived.status_code == 200 and arrived.json()["assignment"]["arrived_at"]
    clock.advance(300)
    resolved = await client.post(
        f"/api/incidents/{incident_id}/resolve/",
        headers=signed_in("guard3"),
        json={"resolution_code": "handled", "notes": "Two students separated, no injuries"},
    )
    assert resolved.status_code == 200, resolved.text
    detail = resolved.json()
    assert detail["status"] == "RESOLVED" and detail["resolution_code"] == "handled"
    assert [(e["kind"], e["actor"]) for e in detail["timeline"]] == [
        ("created", "ai:violence"),
        ("guards_alerted", "system"),
        ("acknowledged", "guard3"),
        ("sos_linked", "student1"),
        ("arrived", "guard3"),
        ("resolved", "guard3"),
    ]
    times = [e["at"] for e in detail["timeline"]]
    assert times == sorted(times) and len(set(times)) == 5  # created/alerted share t=0

    again = await client.post("/api/ai/violence-detected/", json=FIGHT)
    assert again.status_code == 201  # a resolved incident takes no more signals
    assert again.json()["incident_id"] != incident_id


async def test_decline_passes_the_incident_on_to_the_next_nearest(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    await client.post("/api/ai/violence-detected/", json=FIGHT)
    [alert] = await alerts_of(client, signed_in("guard3"))
    declined = await client.post(f"/api/alerts/{alert['id']}/decline/", headers=signed_in("guard3"))
    assert declined.status_code == 200
    assert len(declined.json()["passed_to_alert_ids"]) == 1
    [passed] = await alerts_of(client, signed_in("guard5"))  # Main Quad: next nearest on duty
    assert passed["priority_rank"] == 4
    assert (
        await client.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=signed_in("guard3"))
    ).status_code == 409


async def test_dispatcher_cancels_a_false_alarm(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    incident_id = (await client.post("/api/ai/scream-detected/", json=FIGHT)).json()["incident_id"]
    student = await client.post(
        f"/api/incidents/{incident_id}/cancel/",
        headers=signed_in("guard3"),
        json={"reason": "cheering"},
    )
    assert student.status_code == 403
    cancelled = await client.post(
        f"/api/incidents/{incident_id}/cancel/",
        headers=signed_in("dispatcher"),
        json={"reason": "False alarm: cheering at the game"},
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    assert {a["status"] for a in cancelled.json()["alerts"]} == {"CLOSED"}


async def test_incidents_are_visible_only_to_those_involved(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    incident_id = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()[
        "incident_id"
    ]
    for user, visible in [
        ("dispatcher", True),
        ("guard3", True),
        ("guard1", True),
        ("guard5", False),
        ("student1", False),
    ]:
        detail = await client.get(f"/api/incidents/{incident_id}/", headers=signed_in(user))
        listing = await client.get("/api/incidents/", headers=signed_in(user))
        assert detail.status_code == (200 if visible else 404), user
        assert listing.json()["total"] == (1 if visible else 0), user
    guard_view = (
        await client.get(f"/api/incidents/{incident_id}/", headers=signed_in("guard3"))
    ).json()
    dispatch_view = (
        await client.get(f"/api/incidents/{incident_id}/", headers=signed_in("dispatcher"))
    ).json()
    assert {a["distance_m"] for a in guard_view["alerts"]} == {None}
    assert None not in {a["distance_m"] for a in dispatch_view["alerts"]}
    assert (await client.get("/api/incidents/")).status_code == 401


async def test_guard_duty_beacon_and_devices(client: httpx.AsyncClient, signed_in: Headers) -> None:
    me = signed_in("guard7")
    moved = await client.patch(
        "/api/guards/me/",
        headers=me,
        json={"on_duty": True, "current_beacon_id": "safe:uuid:403:403"},
    )
    assert moved.status_code == 200
    assert moved.json()["location_name"] == "Library 3F Entrance"
    unknown = await client.patch(
        "/api/guards/me/", headers=me, json={"current_beacon_id": "safe:uuid:999:999"}
    )
    assert unknown.status_code == 422 and "GET /api/beacons/" in unknown.json()["error"]["message"]
    device = await client.post(
        "/api/guards/me/devices/",
        headers=me,
        json={"token": "fcm-token-" + "x" * 40, "platform": "android"},
    )
    assert device.status_code == 201
    again = await client.post(
        "/api/guards/me/devices/",
        headers=me,
        json={"token": "fcm-token-" + "x" * 40, "platform": "android"},
    )
    assert again.json()["id"] == device.json()["id"]
    student = await client.patch(
        "/api/guards/me/", headers=signed_in("student1"), json={"on_duty": True}
    )
    assert student.status_code == 403
    # guard7 now stands at the incident's beacon and is nearest
    incident = await client.post("/api/ai/violence-detected/", json=FIGHT)
    detail = await client.get(
        f"/api/incidents/{incident.json()['incident_id']}/", headers=signed_in("dispatcher")
    )
    assert detail.json()["alerts"][0]["guard"] == "Taylor Guard"


async def test_expired_or_forged_tokens_are_401(
    client: httpx.AsyncClient, signed_in: Headers, clock: FrozenClock
) -> None:
    headers = signed_in("dispatcher")
    assert (await client.get("/api/incidents/", headers=headers)).status_code == 200
    forged = {"Authorization": headers["Authorization"][:-3] + "abc"}
    assert (await client.get("/api/incidents/", headers=forged)).status_code == 401
    clock.advance(minutes=60)
    expired = await client.get("/api/incidents/", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
