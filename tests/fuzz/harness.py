"""Shared by the schema fuzz tests: a service served on an event loop of its own, the checks and
the settings.

Schemathesis calls an ASGI app from its own event loop thread, while a service's database
connections, job worker and model keeper belong to the loop that built them (asyncpg refuses
any other). `serving(...)` builds the service on a loop of its own (an anyio portal) and
points the schema's `LoopBridge` at it, which hands each request to that loop and the answer
back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, settings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safewatch.api_reference import openapi_schema
from safewatch.core.service import ServiceRuntime

# Small, derandomized runs: the same cases every time, so a CI failure reproduces locally.
FUZZ = settings(
    max_examples=5,
    derandomize=True,
    deadline=None,  # first requests warm caches; timing is the benchmarks' business
    suppress_health_check=[
        # One service per role serves every example on purpose: it is the system under test.
        HealthCheck.function_scoped_fixture,
        # Whole request bodies are large, slow-to-generate examples by nature.
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
Built = tuple[ServiceRuntime, dict[str, str]]  # a service, and the headers its role sends


class LoopBridge:
    """An ASGI app that serves the current service on that service's own event loop.

    The request body is read whole and the app's messages are replayed to the caller: bodies
    here are small JSON or forms, never streams."""

    def __init__(self) -> None:
        self.target: tuple[ASGIApp, BlockingPortal] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # `serving` starts and stops the service itself
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.target is not None, "no service is being served"
        app, portal = self.target
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        replies = portal.start_task_soon(_serve, app, dict(scope), bytes(body))
        for reply in await asyncio.wrap_future(replies):
            await send(reply)


async def _serve(app: ASGIApp, scope: Scope, body: bytes) -> list[Message]:
    replies: list[Message] = []
    answered = asyncio.Event()
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        if pending:
            return pending.pop()
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        replies.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    try:
        await app(scope, receive, send)
    except Exception:
        # Starlette re-raises after answering 500 (the service logged it): the 500 is what
        # the checks must see. No answer at all is a failure of its own.
        if not answered.is_set():
            raise
    return replies


def service_schema(service: str) -> tuple[schemathesis.BaseSchema, LoopBridge]:
    """The service's OpenAPI schema for `parametrize`, sending every case through a bridge."""
    schema = schemathesis.openapi.from_dict(openapi_schema(service))
    schema.app = LoopBridge()
    return schema, schema.app


@contextmanager
def serving(
    bridge: LoopBridge,
    build: Callable[[], Awaitable[Built]],
    stop: Callable[[Built], Awaitable[None]],
) -> Iterator[dict[str, str]]:
    """Build a service on a loop of its own and serve it through the bridge; yields the role's
    headers. The service is stopped on its loop afterwards."""
    with start_blocking_portal(backend="asyncio") as portal:
        built = portal.call(build)
        bridge.target = (built[0].app, portal)
        try:
            yield built[1]
        finally:
            bridge.target = None
            portal.call(stop, built)


def sqlite_url(request: pytest.FixtureRequest, service: str) -> str:
    """A fresh migrated SQLite database for a module-scoped service (the plugin's templates)."""
    directory = request.getfixturevalue("tmp_path_factory").mktemp(f"fuzz-{service}")
    return str(request.getfixturevalue("sqlite_templates").url_for(service, directory))


# Schema-valid input may still break a rule a schema cannot state; the error code of each such
# refusal (422) and why it is fair. Any other refusal of schema-valid input fails the test.
BUSINESS_RULES = {
    "unknown_beacon": "which beacon ids exist is data, not schema",
}
ACCEPTANCE = schemathesis.checks.positive_data_acceptance


def valid_input_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis's positive_data_acceptance, except for the refusals in BUSINESS_RULES."""
    if response.status_code == 422 and _error_code(response) in BUSINESS_RULES:
        return None
    result: bool | None = ACCEPTANCE(ctx, response, case)
    return result


def _error_code(response: schemathesis.Response) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def call_and_validate(case: schemathesis.Case, headers: dict[str, str]) -> None:
    """Send the case with the role's headers; run every check schemathesis has on the answer."""
    case.call_and_validate(
        headers=headers, excluded_checks=[ACCEPTANCE], additional_checks=[valid_input_accepted]
    )


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
