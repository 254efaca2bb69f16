"""The campus story: a scream, then violence at the same beacon (one incident, escalated), the
nearest guards alerted, one accepts, a student's SOS joins, chat, arrival and resolution."""

from __future__ import annotations

from typing import Any

import httpx

from safewatch.demo.narrator import Narrator, error_message, expect

BEACON = "safe:uuid:402:402"  # Library 3F Study Area
GUARDS = [f"guard{n}" for n in range(1, 8)]


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    answer = expect(
        await http.post("/api/auth/token/", json={"username": username, "password": password}),
        200,
    )
    return {"Authorization": f"Bearer {answer['access_token']}"}


async def _alerts_for(
    http: httpx.AsyncClient, guards: dict[str, dict[str, str]], incident_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """(username, alert) for every guard alerted to the incident, nearest first."""
    found = []
    for username, headers in guards.items():
        for alert in expect(await http.get("/api/alerts/", headers=headers), 200):
            if alert["incident"]["id"] == incident_id and alert["status"] == "SENT":
                found.append((username, alert))
    return sorted(found, key=lambda pair: pair[1]["priority_rank"])


async def play(http: httpx.AsyncClient, password: str, say: Narrator) -> str:
    say.chapter("ResQ: a fight in the library")
    dispatcher = await sign_in(http, "dispatcher", password)
    student = await sign_in(http, "student1", password)
    guards = {name: await sign_in(http, name, password) for name in GUARDS}
    say.say("ResQ", f"signed in: dispatcher, student1 and {len(guards)} guards")

    scream = expect(
        await http.post(
            "/api/ai/scream-detected/",
            json={"beacon_id": BEACON, "confidence_score": 0.88, "description": "Screaming"},
        ),
        200,
        201,
    )
    incident_id = scream["incident_id"]
    say.say(
        "ResQ",
        f"scream at {scream['beacon_location']} (0.88): {scream['status']}, "
        f"priority {scream['incident_priority']}",
    )
    violence = expect(
        await http.post(
            "/api/ai/violence-detected/",
            json={"beacon_id": BEACON, "confidence_score": 0.93, "description": "Fight detected"},
        ),
        200,
        201,
    )
    joined = "the same incident" if violence["incident_id"] == incident_id else "a new incident"
    say.say(
        "ResQ",
        f"violence at the same beacon (0.93): {violence['status']} to {joined}, "
        f"priority now {violence['incident_priority']}",
    )

    detail = expect(await http.get(f"/api/incidents/{incident_id}/", headers=dispatcher), 200)
    for alert in detail["alerts"]:
        distance = f"{alert['distance_m']:.0f} m" if alert["distance_m"] is not None else "?"
        say.say("ResQ", f"alerted #{alert['priority_rank']}: {alert['guard']} ({distance} away)")

    alerted = await _alerts_for(http, guards, incident_id)
    (first, alert), (second, other) = alerted[0], alerted[1]
    expect(await http.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=guards[first]), 200)
    say.say("ResQ", f"{first} ACCEPTS alert {alert['id']}")
    late = await http.post(f"/api/alerts/{other['id']}/acknowledge/", headers=guards[second])
    say.say("ResQ", f"{second} tries too: {late.status_code} {error_message(late)}")

    sos = expect(
        await http.post(
            "/api/sos/", headers=student, json={"beacon_id": BEACON, "text": "They are fighting"}
        ),
        200,
        201,
    )
    say.say("ResQ", f"student1 presses SOS at the same beacon: {sos['status']}")
    chat = f"/api/incidents/{incident_id}/messages/"
    await _message(http, chat, guards[first], first, "On my way, one minute.", say)
    await _message(http, chat, student, "student1", "By the stairs, near the windows.", say)

    expect(await http.post(f"/api/incidents/{incident_id}/arrived/", headers=guards[first]), 200)
    say.say("ResQ", f"{first} is on scene")
    expect(
        await http.post(
            f"/api/incidents/{incident_id}/resolve/",
            headers=guards[first],
            json={"resolution_code": "handled", "notes": "Two students separated, no injuries."},
        ),
        200,
    )
    say.say("ResQ", f"{first} resolves it: handled")
    timeline = expect(await http.get(f"/api/incidents/{incident_id}/", headers=dispatcher), 200)
    say.chapter("The incident's timeline, as the dispatcher sees it")
    for event in timeline["timeline"]:
        actor = f" by {event['actor']}" if event["actor"] else ""
        say.say("ResQ", f"{event['at'][11:19]} {event['kind']}{actor}")
    return incident_id


async def _message(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], who: str, body: str, say: Narrator
) -> None:
    expect(await http.post(path, headers=headers, json={"body": body}), 201)
    say.say("ResQ", f'{who} writes: "{body}"')
