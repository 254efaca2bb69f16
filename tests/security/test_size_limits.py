"""Size limits: a request body over a service's limit is refused with 413 whether it declares
its length or streams it chunked (over a real socket), and every list route bounds its page:
`limit` over its maximum is a 422 saying so; a list without `limit` is bounded otherwise, and
says how here."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

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


def body_limit(app: FastAPI) -> int:
    (limit,) = [
        m.kwargs["max_body_bytes"] for m in app.user_middleware if m.cls is RequestContextMiddleware
    ]
    return int(limit)


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


async def check_body_limit(app: FastAPI, routes: dict[str, Body], headers: dict[str, str]) -> None:
    """POST each route a body one byte over the limit (declared, then chunked: 413 both), and
    one exactly at it (not refused for its size, though the route may refuse it otherwise)."""
    limit = body_limit(app)
    assert limit <= 64 * 1024 * 1024  # bounded, whatever the settings say
    async with on_loopback(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        for path, body_of_size in routes.items():
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
    await check_body_limit(resq.app, routes, {})
    guard = signed_in("guard1")  # every list route here is open to a guard
    await check_page_limits(resq.app, LISTS["resq"], guard)


async def test_halo_bounds_bodies_and_pages(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str]
) -> None:
    halo = await make_halo(fake[1])
    routes = {"/api/v1/incidents": json_of_size, "/api/v1/analyze/photo": upload_of_size}
    await check_body_limit(halo.app, routes, {})
    await check_page_limits(halo.app, LISTS["halo"], {})


async def test_atlas_bounds_bodies_and_pages(atlas: ServiceRuntime) -> None:
    routes = {"/api/v1/classify/threat": json_of_size, "/api/v1/analyze/media": upload_of_size}
    await check_body_limit(atlas.app, routes, product_headers("halo"))
    await check_page_limits(atlas.app, LISTS["atlas"], product_headers("halo"))
