"""Size limits: a request body over a service's limit is refused with 413 whether it declares
its length or streams it chunked (over a real socket), and every list route bounds its page:
`limit` over its maximum is a 422 saying so; a list without `limit` is bounded otherwise, and
says how here."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from safewatch.atlas.settings import AtlasSettings
from safewatch.core.http import RequestContextMiddleware
from safewatch.core.service import ServiceRuntime
from tests.atlas.conftest import product_headers
from tests.halo.conftest import HaloFactory
from tests.halo.fake_atlas import FakeAtlas
from tests.security.conftest import on_loopback
from tests.security.policy import Route, concrete, resolve

CHUNK = 64 * 1024
Body = Callable[[int], tuple[bytes, str]]


@pytest.fixture
def backend() -> str:
    return "sqlite"  # limits are checked before any database work


def body_limit(app: FastAPI, path: str) -> int:
    """The limit the service's settings give this route (uploads have their own)."""
    (middleware,) = [m for m in app.user_middleware if m.cls is RequestContextMiddleware]
    return RequestContextMiddleware(app, **middleware.kwargs).limit_for(path)


def json_of_size(size: int) -> tuple[bytes, str]:
    """A valid JSON object of exactly `size` bytes, and its content type."""
    return b'{"padding": "' + b"a" * (size - 15) + b'"}', "application/json"


def upload_of_size(size: int) -> tuple[bytes, str]:
    """A well-formed multipart upload of one file, exactly `size` bytes in all."""
    head = b'--B\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
    head += b"Content-Type: image/jpeg\r\n\r\n"
    tail = b"\r\n--B--\r\n"
    return head + b"\xff" * (size - len(head) - len(tail)) + tail, "multipart/form-data; boundary=B"


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


async def check_body_limit(
    app: FastAPI, routes: dict[str, Body], headers: dict[str, str], *, json_at_most: int
) -> None:
    """POST each route a body one byte over its limit (declared, then chunked: 413 both), and
    one exactly at it (not refused for its size, though the route may refuse it otherwise).
    JSON routes stop at `json_at_most`; uploads may be larger, but bounded."""
    async with on_loopback(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        for path, body_of_size in routes.items():
            limit = body_limit(app, path)
            assert limit <= (json_at_most if body_of_size is json_of_size else 64 * 1024 * 1024)
            (over, kind), (at, _) = body_of_size(limit + 1), body_of_size(limit)
            sent = {**headers, "Content-Type": kind}
            declared = await client.post(path, content=over, headers=sent)
            streamed = await client.post(path, content=chunks(over), headers=sent)
            at_limit = await client.post(path, content=chunks(at), headers=sent)
            assert "content-length" not in streamed.request.headers  # really chunked
            for response in (declared, streamed):
                assert response.status_code == 413, (path, response.text)
                assert response.json()["error"]["message"] == f"Request body exceeds {limit} bytes"
            assert "Request body exceeds" not in at_limit.text, path


# Each service's list routes: the maximum `limit`, or why the list is bounded without one.
LISTS: dict[str, dict[Route, int | str]] = {
    "resq": {
        ("GET", "/api/alerts/"): 100,
        ("GET", "/api/incidents/"): 100,
        ("GET", "/api/incidents/{incident_id}/messages/"): 100,
        ("GET", "/api/beacons/"): "the campus's beacons, as its operator installed them",
        ("GET", "/api/guards/"): "the campus's guards, as its operator enrolled them",
    },
    "halo": {
        ("GET", "/api/v1/incidents"): 200,
        ("GET", "/api/v1/intelligence/patterns"): "Atlas's answer, which has its own limit",
    },
    "atlas": {
        ("GET", "/api/v1/analyses"): 100,
        ("GET", "/api/v1/models"): 200,
        ("GET", "/api/v1/intelligence/patterns"): 100,
        ("GET", "/api/v1/intelligence/recommendations"): 100,
    },
}
PARAMS = {"lat": 59.33, "lon": 18.07}  # what the intelligence routes also need


def list_routes(app: FastAPI) -> dict[Route, dict[str, Any]]:
    """GET routes answering a list, or an object holding lists (not one object by its id),
    with their OpenAPI operation."""
    schema = app.openapi()
    found = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or re.search(r"\{\w+\}/?$", path):
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        answer = resolve(schema, content.get("application/json", {}).get("schema", {}))
        fields = [resolve(schema, f) for f in answer.get("properties", {}).values()]
        if answer.get("type") == "array" or any(f.get("type") == "array" for f in fields):
            found[("GET", path)] = operation
    return found


async def check_page_limits(
    app: FastAPI, lists: dict[Route, int | str], headers: dict[str, str]
) -> None:
    """limit over the maximum (or under 1) is a 422 naming it; the maximum itself is fine."""
    found = list_routes(app)
    assert set(found) == set(lists)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for route, maximum in lists.items():
            if isinstance(maximum, str):
                assert "limit" not in {p["name"] for p in found[route].get("parameters", [])}
                continue
            path = concrete(app, route[1])
            statuses = []
            for limit in (maximum + 1, 0, maximum):
                params = {**PARAMS, "limit": limit}
                response = await client.get(path, params=params, headers=headers)
                statuses.append(response.status_code)
                if response.status_code == 422:
                    assert "limit" in response.json()["error"]["message"], route
            assert statuses[:2] == [422, 422] and statuses[2] not in (422, 500), (route, statuses)


async def test_resq_bounds_bodies_and_pages(resq: ServiceRuntime, signed_in: Any) -> None:
    routes = {"/api/auth/token/": json_of_size, "/api/ai/violence-detected/": json_of_size}
    await check_body_limit(resq.app, routes, {}, json_at_most=64 * 1024)
    guard = signed_in("guard1")  # every list route here is open to a guard
    await check_page_limits(resq.app, LISTS["resq"], guard)


async def test_halo_bounds_bodies_and_pages(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str]
) -> None:
    halo = await make_halo(fake[1])
    routes = {"/api/v1/incidents": json_of_size, "/api/v1/analyze/photo": upload_of_size}
    await check_body_limit(halo.app, routes, {}, json_at_most=64 * 1024)
    assert body_limit(halo.app, "/api/v1/analyze/photo") > 10 * 1024 * 1024  # a 10 MB photo fits
    await check_page_limits(halo.app, LISTS["halo"], {})


async def test_atlas_bounds_bodies_and_pages(atlas: ServiceRuntime) -> None:
    routes = {"/api/v1/classify/threat": json_of_size, "/api/v1/analyze/media": upload_of_size}
    # A full batch of the longest texts fits the JSON limit; a 25 MB video fits the upload one.
    await check_body_limit(atlas.app, routes, product_headers("halo"), json_at_most=4 << 20)
    assert body_limit(atlas.app, "/api/v1/analyze/media") > 25 * 1024 * 1024
    await check_page_limits(atlas.app, LISTS["atlas"], product_headers("halo"))


async def test_atlas_takes_a_full_batch_of_the_longest_texts(
    atlas: ServiceRuntime, atlas_settings: AtlasSettings
) -> None:
    """The JSON limit is sized for the classify contract: max_batch texts of max_text_chars,
    each character escaped as \\uXXXX by a client that sends ASCII-only JSON."""
    text = "Misshandel på torget, vittnen såg två män " * 200
    item = {
        "type": "text",
        "data": text[: atlas_settings.max_text_chars],
        "context": {"latitude": 59.33, "longitude": 18.07, "timestamp": "2026-11-28T10:00:00Z"},
    }
    body = json.dumps({"items": [item] * atlas_settings.max_batch}, ensure_ascii=True)
    assert len(body) > 64 * 1024 * 8  # far above the other services' JSON limit
    transport = httpx.ASGITransport(app=atlas.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
        response = await client.post(
            "/api/v1/classify/threats",
            content=body,
            headers={**product_headers("halo"), "Content-Type": "application/json"},
        )
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["results"]) == atlas_settings.max_batch
