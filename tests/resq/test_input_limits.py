"""Input the schema fuzz tests found answered 500 or accepted: each is now a 4xx saying what to
send, on both databases (NUL text and 64-bit ids failed in the drivers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Headers = Callable[[str], dict[str, str]]
TOO_BIG = 2**31  # one past the 32-bit ids of the database
DETECTION = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}


@pytest.mark.parametrize(
    ("user", "method", "url"),
    [
        ("guard1", "POST", f"/api/alerts/{TOO_BIG}/acknowledge/"),
        ("guard1", "POST", f"/api/alerts/{10**20}/decline/"),
        ("dispatcher", "GET", f"/api/incidents/?offset={TOO_BIG}"),
        (
            "dispatcher",
            "GET",
            f"/api/incidents/{'0' * 8}-0000-0000-0000-{'0' * 12}/messages/?after={TOO_BIG}",
        ),
    ],
)
async def test_numbers_past_the_database_range_are_422(
    client: httpx.AsyncClient, signed_in: Headers, user: str, method: str, url: str
) -> None:
    response = await client.request(method, url, headers=signed_in(user))
    assert response.status_code == 422, response.text
    assert "less than or equal to 2147483647" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("user", "url", "body"),
    [
        ("student1", "/api/sos/", {"beacon_id": "safe:uuid:403:403", "text": "help\u0000"}),
        ("guard1", "/api/guards/me/devices/", {"token": "0123456789abcdef\u0000"}),
        (None, "/api/auth/token/", {"username": "guard1\u0000", "password": "x"}),
    ],
)
async def test_text_with_nul_is_422(
    client: httpx.AsyncClient, signed_in: Headers, user: str | None, url: str, body: Any
) -> None:
    headers = signed_in(user) if user else {}
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "remove the NUL character" in response.json()["error"]["message"]


async def test_detection_with_nul_is_400_in_the_seed_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/ai/violence-detected/", json={**DETECTION, "description": "Fight\u0000"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "description: remove the NUL character (\\u0000) from the text"
    }


async def test_undecodable_detection_body_is_400_in_the_seed_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/ai/violence-detected/",
        content=b'{"description": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"].endswith("send a UTF-8 encoded JSON object")


async def test_legacy_detection_takes_an_empty_description(client: httpx.AsyncClient) -> None:
    body = {**DETECTION, "event_type": "violence", "description": ""}
    response = await client.post("/api/ai/ai-detection/", json=body)
    assert response.status_code == 201, response.text


async def test_a_guard_takes_only_a_boolean_for_on_duty(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    for lax in ("false", 0, "no"):
        response = await client.patch(
            "/api/guards/me/", json={"on_duty": lax}, headers=signed_in("guard1")
        )
        assert response.status_code == 422, lax
    me = await client.get("/api/guards/me/", headers=signed_in("guard1"))
    assert me.json()["on_duty"] is True


async def test_405_names_every_method_of_the_path(
    client: httpx.AsyncClient, signed_in: Headers
) -> None:
    response = await client.put(
        f"/api/incidents/{'0' * 8}-0000-0000-0000-{'0' * 12}/messages/",
        headers=signed_in("dispatcher"),
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
