"""Route policy tables: every (method, path) an app serves, its auth rule, and a check that calls
it as each kind of caller. Used by test_route_policy.py, one table per service."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute
from starlette.routing import Mount
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

Route = tuple[str, str]  # method (or WS), path template
ALLOWED = "allowed"


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    holds: str | None = None  # the kind of credential: "user", "model server", "product"


@dataclass(frozen=True)
class Rule:
    label: str
    allowed: frozenset[str]  # caller names
    kind: str | None = None  # the credential the route takes; others' get 401

    def expected(self, caller: Caller) -> str | int:
        if caller.name in self.allowed:
            return ALLOWED
        return 403 if caller.holds is not None and caller.holds == self.kind else 401


def served(app: FastAPI) -> list[Any]:
    """The app's routes, included routers flattened (each has .path, .methods and, since
    FastAPI keeps included routers whole, .original_route)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def inventory(app: FastAPI) -> set[Route]:
    """Every route the app serves, including the OpenAPI-less ones (pages, /ws, mounts)."""
    found: set[Route] = set()
    for context in served(app):
        route = getattr(context, "original_route", context)
        if isinstance(route, APIWebSocketRoute):
            found.add(("WS", route.path))
        elif isinstance(route, Mount):
            found.add(("GET", f"{route.path}/{{path}}"))
        else:
            found |= {(m, context.path) for m in (context.methods or ()) if m != "HEAD"}
    return found


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI schema node with its $refs followed."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def a_static_file(app: FastAPI, mount_path: str) -> str:
    for context in served(app):
        route = getattr(context, "original_route", context)
        if isinstance(route, Mount) and route.path == mount_path:
            directory = Path(route.app.directory)  # type: ignore[attr-defined]
            return sorted(p.name for p in directory.iterdir() if p.is_file())[0]
    raise LookupError(mount_path)


def concrete(app: FastAPI, path: str) -> str:
    """A template with made-up ids (objects that do not exist) and a real static file."""
    if path.endswith("/{path}"):
        mount = path.removesuffix("/{path}")
        return f"{mount}/{a_static_file(app, mount)}"
    path = path.replace("{alert_id}", "987654")
    return re.sub(r"\{\w+_id\}", str(uuid.UUID(int=7)), path)


async def outcome(
    client: httpx.AsyncClient, app: FastAPI, route: Route, caller: Caller, probe: dict[str, Any]
) -> str | int:
    method, path = route
    request = {"headers": caller.headers, **probe}
    response = await client.request(method, concrete(app, path), **request)
    if response.status_code >= 500:
        return response.status_code  # never an answer to a rule
    return response.status_code if response.status_code in (401, 403) else ALLOWED


async def socket_outcome(base_url: str, caller: Caller) -> str | int:
    """/ws: the token goes in the first message; 4401 is the socket's 401."""
    url = base_url.replace("http://", "ws://") + "/ws"
    token = caller.headers.get("Authorization", "").removeprefix("Bearer ")
    async with connect(url, proxy=None, open_timeout=10) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        try:
            first = json.loads(await socket.recv())
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 0
            return 401 if code == 4401 else code
    return ALLOWED if first.get("type") == "ready" else str(first)


async def mismatches(
    client: httpx.AsyncClient,
    app: FastAPI,
    policy: dict[Route, Rule],
    probes: dict[Route, dict[str, Any]],
    callers: list[Caller],
) -> list[str]:
    """Each HTTP route called as each caller: what happened where the table says otherwise."""
    wrong = []
    for route, rule in sorted(policy.items()):
        if route[0] == "WS":
            continue
        for caller in callers:
            got = await outcome(client, app, route, caller, probes.get(route, {}))
            if got != rule.expected(caller):
                wrong.append(f"{route} [{rule.label}] as {caller.name}: {got}")
    return wrong
