"""The campus story: a scream, then violence at the same beacon (one incident, escalated), the
nearest guards alerted, one accepts, a student's SOS joins, chat, arrival and resolution.

It plays at its own beacon (the README's walk-through uses 402 and 403), and first cancels
whatever is still open there (an earlier run cut short), so it can run again at any time."""

from __future__ import annotations

from typing import Any

import httpx

from safewatch.demo.narrator import DemoFailed, Narrator, error_message, expect

BEACON = "safe:uuid:401:401"  # Library 3F Stacks
GUARDS = [f"guard{n}" for n in range(1, 8)]
OPEN = ("CREATED", "ASSIGNED")


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    answer = await http.post("/api/auth/token/", json={"username": username, "password": password})
    if answer.status_code == 401:
        raise DemoFailed(
            f"ResQ refused {username}'s demo password: pass the one `make run` printed "
            "(--password), or the --data-dir that `serve --demo` uses"
        )
    return {"Authorization": f"Bearer {expect(answer, 200)['access_token']}"}


async def clear_the_stage(
    http: httpx.AsyncClient, dispatcher: dict[str, str], say: Narrator
) -> None:
    """Cancel incidents still open at the demo's beacon, so this run opens its own."""
    for status in OPEN:
        page = expect(
            await http.get(
                "/api/incidents/", headers=dispatcher, params={"status": status, "limit": 100}
            ),
            200,
        )
        for incident in page["items"]:
            if incident["beacon_id"] == BEACON:
                expect(
                    await http.post(
                        f"/api/incidents/{incident['id']}/cancel/",
                        headers=dispatcher,
                        json={"reason": "Demo: clearing an earlier run"},
                    ),
                    200,
                    409,
                )
                say.say("ResQ", f"cancelled an earlier demo incident at {BEACON}")


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


async def _detect(http: httpx.AsyncClient, kind: str, confidence: float, text: str) -> Any:
    body = {"beacon_id": BEACON, "confidence_score": confidence, "description": text}
    return expect(await http.post(f"/api/ai/{kind}-detected/", json=body), 200, 201)


async def play(http: httpx.AsyncClient, password: str, say: Narrator) -> str:
    say.chapter("ResQ: a fight in the library")
    dispatcher = await sign_in(http, "dispatcher", password)
    student = await sign_in(http, "student1", password)
    guards = {name: await sign_in(http, name, password) for name in GUARDS}
    say.say("ResQ", f"signed in: dispatcher, student1 and {len(guards)} guards")
    await clear_the_stage(http, dispatcher, say)
    await say.pause()

    scream = await _detect(http, "scream", 0.88, "Screaming")
    incident_id = scream["incident_id"]
    say.say(
        "ResQ",
        f"scream at {scream['beacon_location']} (0.88): {scream['status']}, "
        f"priority {scream['incident_priority']}",
    )
    await say.pause()
    violence = await _detect(http, "violence", 0.93, "Fight detected")
    joined = "the same incident" if violence["incident_id"] == incident_id else "a new incident"
    say.say(
        "ResQ",
        f"violence at the same beacon (0.93): {violence['status']} to {joined}, "
        f"priority now {violence['incident_priority']}",
    )
    await say.pause()

    detail = expect(await http.get(f"/api/incidents/{incident_id}/", headers=dispatcher), 200)
    for alert in detail["alerts"]:
        distance = f"{alert['distance_m']:.0f} m" if alert["distance_m"] is not None else "?"
        say.say("ResQ", f"alerted #{alert['priority_rank']}: {alert['guard']} ({distance} away)")
    await say.pause()
    first = await _accept(http, guards, incident_id, say)
    await _respond(http, incident_id, first, guards[first], student, say)
    await _timeline(http, incident_id, dispatcher, say)
    return incident_id


async def _accept(
    http: httpx.AsyncClient, guards: dict[str, dict[str, str]], incident_id: str, say: Narrator
) -> str:
    """The nearest alerted guard accepts; the next one, a moment late, is told who has it."""
    alerted = await _alerts_for(http, guards, incident_id)
    if not alerted:
        raise DemoFailed(
            "no demo guard holds an open alert for the incident (are guard1-guard6 off duty?)"
        )
    first, alert = alerted[0]
    expect(await http.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=guards[first]), 200)
    say.say("ResQ", f"{first} ACCEPTS alert {alert['id']}")
    if len(alerted) > 1:
        second, other = alerted[1]
        late = await http.post(f"/api/alerts/{other['id']}/acknowledge/", headers=guards[second])
        say.say("ResQ", f"{second} tries too: {late.status_code} {error_message(late)}")
    await say.pause()
    return first


async def _respond(
    http: httpx.AsyncClient,
    incident_id: str,
    guard: str,
    headers: dict[str, str],
    student: dict[str, str],
    say: Narrator,
) -> None:
    sos = expect(
        await http.post(
            "/api/sos/", headers=student, json={"beacon_id": BEACON, "text": "They are fighting"}
        ),
        200,
        201,
    )
    say.say("ResQ", f"student1 presses SOS at the same beacon: {sos['status']}")
    await say.pause()
    chat = f"/api/incidents/{incident_id}/messages/"
    await _message(http, chat, headers, guard, "On my way, one minute.", say)
    await _message(http, chat, student, "student1", "By the stairs, near the windows.", say)
    expect(await http.post(f"/api/incidents/{incident_id}/arrived/", headers=headers), 200)
    say.say("ResQ", f"{guard} is on scene")
    await say.pause()
    expect(
        await http.post(
            f"/api/incidents/{incident_id}/resolve/",
            headers=headers,
            json={"resolution_code": "handled", "notes": "Two students separated, no injuries."},
        ),
        200,
    )
    say.say("ResQ", f"{guard} resolves it: handled")


async def _timeline(
    http: httpx.AsyncClient, incident_id: str, dispatcher: dict[str, str], say: Narrator
) -> None:
    detail = expect(await http.get(f"/api/incidents/{incident_id}/", headers=dispatcher), 200)
    say.chapter("The incident's timeline, as the dispatcher sees it")
    for event in detail["timeline"]:
        actor = f" by {event['actor']}" if event["actor"] else ""
        say.say("ResQ", f"{event['at'][11:19]} {event['kind']}{actor}")


async def _message(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], who: str, body: str, say: Narrator
) -> None:
    expect(await http.post(path, headers=headers, json={"body": body}), 201)
    say.say("ResQ", f'{who} writes: "{body}"')
    await say.pause()
