"""The dispatcher's roster of guards, which the console draws on the campus map."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Headers = Callable[[str], dict[str, str]]


async def test_dispatchers_see_every_guard_and_where_they_stand(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    moved = await client.patch(
        "/api/guards/me/",
        headers=signed_in("guard2"),
        json={"current_beacon_id": "safe:uuid:501:501", "on_duty": False},
    )
    assert moved.status_code == 200
    response = await client.get("/api/guards/", headers=signed_in("dispatcher"))
    assert response.status_code == 200
    roster = {guard["name"]: guard for guard in response.json()}
    assert len(roster) == 7
    assert roster["Sam Guard"]["current_beacon_id"] == "safe:uuid:501:501"
    assert roster["Sam Guard"]["on_duty"] is False
    assert roster["Robin Guard"]["current_beacon_id"] == "safe:uuid:402:402"
    assert roster["Taylor Guard"]["on_duty"] is False


async def test_guards_and_students_may_not_read_the_roster(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    for username in ("guard1", "student1"):
        response = await client.get("/api/guards/", headers=signed_in(username))
        assert response.status_code == 403
        assert "dispatcher" in response.json()["error"]["message"]
    assert (await client.get("/api/guards/")).status_code == 401
