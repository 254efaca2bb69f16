"""Students raise an SOS; the student, the assigned guard and dispatchers chat."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Headers = Callable[[str], dict[str, str]]
BEACON = "safe:uuid:403:403"


async def sos(client: httpx.AsyncClient, headers: dict[str, str], **extra: str) -> httpx.Response:
    return await client.post(
        "/api/sos/",
        headers=headers,
        json={"beacon_id": BEACON, "text": "Someone is following me", **extra},
    )


async def accept_as_rank_1(client: httpx.AsyncClient, signed_in: Headers) -> None:
    [alert] = (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()
    accepted = await client.post(
        f"/api/alerts/{alert['id']}/acknowledge/", headers=signed_in("guard3")
    )
    assert accepted.status_code == 200


async def test_sos_opens_a_medium_incident_and_alerts_guards(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    response = await sos(client, signed_in("student1"))
    assert response.status_code == 201
    body = response.json()
    assert body["incident_priority"] == "Medium"
    assert body["beacon_location"] == "Library 3F Entrance"
    detail = (
        await client.get(f"/api/incidents/{body['incident_id']}/", headers=signed_in("student1"))
    ).json()
    assert [s["signal_type"] for s in detail["signals"]] == ["SOS"]
    assert len(detail["alerts"]) == 3
    assert detail["timeline"][0]["actor"] == "student1"
    other = await client.get(
        f"/api/incidents/{body['incident_id']}/", headers=signed_in("student2")
    )
    assert other.status_code == 404


async def test_sos_joining_an_ai_incident_links_the_student(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    detected = await client.post(
        "/api/ai/violence-detected/",
        json={"beacon_id": BEACON, "confidence_score": 0.9, "description": "Fight"},
    )
    joined = await sos(client, signed_in("student2"))
    assert joined.status_code == 200
    assert joined.json()["incident_id"] == detected.json()["incident_id"]
    assert joined.json()["incident_priority"] == "Critical"  # an SOS never lowers it
    mine = await client.get("/api/incidents/", headers=signed_in("student2"))
    assert [i["id"] for i in mine.json()["items"]] == [detected.json()["incident_id"]]


async def test_sos_input_is_checked(client: httpx.AsyncClient, signed_in: Headers) -> None:
    unknown = await client.post(
        "/api/sos/", headers=signed_in("student1"), json={"beacon_id": "safe:uuid:999:999"}
    )
    assert unknown.status_code == 422
    assert "GET /api/beacons/" in unknown.json()["error"]["message"]
    too_long = await sos(client, signed_in("student1"), text="x" * 501)
    assert too_long.status_code == 422
    guard = await sos(client, signed_in("guard1"))
    assert guard.status_code == 403
    anonymous = await client.post("/api/sos/", json={"beacon_id": BEACON})
    assert anonymous.status_code == 401


async def test_chat_between_student_guard_and_dispatcher(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    incident_id = (await sos(client, signed_in("student1"))).json()["incident_id"]
    url = f"/api/incidents/{incident_id}/messages/"
    before = await client.post(url, headers=signed_in("guard3"), json={"body": "On my way"})
    assert before.status_code == 404  # alerted but not yet assigned: not in the conversation
    await accept_as_rank_1(client, signed_in)
    sent = [
        await client.post(url, headers=signed_in(user), json={"body": text})
        for user, text in [
            ("guard3", "On my way, 2 minutes"),
            ("student1", "Thank you, hurry"),
            ("dispatcher", "Campus police informed"),
        ]
    ]
    assert [r.status_code for r in sent] == [201, 201, 201]
    page = (await client.get(url, headers=signed_in("student1"))).json()
    assert [(m["sender"], m["body"]) for m in page["items"]] == [
        ("Robin Guard", "On my way, 2 minutes"),
        ("Stella Student", "Thank you, hurry"),
        ("Dana Dispatcher", "Campus police informed"),
    ]
    assert page["next_after"] is None
    first = (await client.get(url + "?limit=2", headers=signed_in("guard3"))).json()
    rest = (
        await client.get(f"{url}?after={first['next_after']}", headers=signed_in("guard3"))
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    for outsider in ("student2", "guard2", "guard5"):
        assert (await client.get(url, headers=signed_in(outsider))).status_code == 404
    assert (
        await client.post(url, headers=signed_in("guard3"), json={"body": ""})
    ).status_code == 422
    assert (
        await client.post(url, headers=signed_in("guard3"), json={"body": "x" * 1001})
    ).status_code == 422


async def test_a_students_identity_is_shown_to_the_assigned_guard_only(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    incident_id = (await sos(client, signed_in("student1"))).json()["incident_id"]
    url = f"/api/incidents/{incident_id}/"

    async def reporters(user: str) -> list[str]:
        return (await client.get(url, headers=signed_in(user))).json()["reporters"]  # type: ignore[no-any-return]

    assert await reporters("guard3") == []  # alerted, not yet helping
    await accept_as_rank_1(client, signed_in)
    assert await reporters("guard3") == ["Stella Student"]
    assert await reporters("guard2") == []
    assert await reporters("dispatcher") == []
    assert await reporters("student1") == ["Stella Student"]
