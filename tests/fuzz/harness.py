"""Shared by the schema fuzz tests: a service served on an event loop of its own, the checks and
the settings.

Schemathesis calls an ASGI app from its own event loop thread, while a service's database
connections, job worker and model keeper belong to the loop that built them (asyncpg refuses
any other). `serving(...)` builds the service on a loop of its own (an anyio portal) and
points the schema's `LoopBridge` at it, which hands each request to that loop and the answer
back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

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
    # Generating a case takes longer on a loaded machine (CI shares two cores); that says
    # nothing about the API.
    suppress_health_check=[HealthCheck.too_slow],
)

# A service, and the headers each of its roles sends
Built = tuple[ServiceRuntime, dict[str, dict[str, str]]]
Build = Callable[[], Awaitable[Built]]
Stop = Callable[[Built], Awaitable[None]]


@dataclass
class Served:
    app: ASGIApp
    portal: BlockingPortal  # runs the service's event loop
    headers: dict[str, dict[str, str]]  # role -> what it sends


class LoopBridge:
    """An ASGI app that serves the current service on that service's own event loop.

    The request body is read whole and the app's messages are replayed to the caller: bodies
    here are small JSON or forms, never streams."""

    def __init__(self) -> None:
        self.target: Served | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # `serving` starts and stops the service itself
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.target is not None, "no service is being served"
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        served = self.target
        replies = served.portal.start_task_soon(_serve, served.app, dict(scope), bytes(body))
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


@schemathesis.serializer("image/*", "video/*", "audio/*")
def _media_part(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """Halo's upload parts state their media type (image/* ...): send whatever was generated
    for them, bytes as they are and anything else as its JSON text."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def service_schema(service: str) -> tuple[schemathesis.BaseSchema, LoopBridge]:
    """The service's OpenAPI schema for `parametrize`, sending every case through a bridge."""
    schema = schemathesis.openapi.from_dict(openapi_schema(service))
    # Text with NUL (U+0000) is refused on purpose (PostgreSQL cannot store it), which OpenAPI
    # cannot state short of a pattern on every string; tests/*/test_input_limits.py checks it.
    # Credentials are each role's own, not generated (a generated case lacking them would be
    # "invalid" yet sent with the role's).
    schema.config.generation.update(allow_x00=False, with_security_parameters=False)
    schema.app = LoopBridge()
    return schema, schema.app


@contextmanager
def serving(build: Build, stop: Stop) -> Iterator[Served]:
    """Build a service and its roles' headers on a loop of its own; stop it there afterwards.
    One service answers every role: roles differ only in what they send."""
    with start_blocking_portal(backend="asyncio") as portal:
        built = portal.call(build)
        try:
            yield Served(built[0].app, portal, built[1])
        finally:
            portal.call(stop, built)


@contextmanager
def service_pool(make: Callable[[str], tuple[Build, Stop]]) -> Iterator[Callable[[str], Served]]:
    """Services built on first use, one per key (say, the database), all stopped at the end."""
    with ExitStack() as stack:
        served: dict[str, Served] = {}

        def get(key: str) -> Served:
            if key not in served:
                served[key] = stack.enter_context(serving(*make(key)))
            return served[key]

        yield get


def database_url(request: pytest.FixtureRequest, service: str, backend: str) -> str:
    """A fresh migrated database for a module's service (the test plugin's databases)."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_databases").url_for(service))
    directory = request.getfixturevalue("tmp_path_factory").mktemp(f"fuzz-{service}")
    return str(request.getfixturevalue("sqlite_templates").url_for(service, directory))


def role_params(roles: list[str], on_postgres: list[str]) -> list[Any]:
    """(role, backend) pairs: every role on SQLite; on PostgreSQL the roles that write, where
    the databases differ (text length, integer range); the others only meet auth checks."""
    return [
        pytest.param((role, backend), id=f"{role}-{backend}")
        for backend, names in (("sqlite", roles), ("postgres", on_postgres))
        for role in names
    ]


# Schema-valid input may still break a rule no schema can state: the error code of each such
# refusal, and why. Any other refusal of schema-valid input fails the test.
BUSINESS_RULES = {
    "unknown_beacon": "which beacon ids exist is data, not schema",
    "product_mismatch": "source_product must equal X-Product, a header the body cannot see",
    "unknown_threat_type": "a comma list of categories in any case; a pattern would be unreadable",
    "bad_context": "the media form's context field is JSON inside text",
    "bad_media": "which bytes (if any) make a photo, video or audio is not schema",
    "unsupported_media": "which bytes make a photo, video or audio is not schema",
    "not_h3": "which strings are H3 cells is not schema",
    "half_a_point": "lat and lon go together; OpenAPI cannot tie two parameters",
    "missing_category": "in the JSON body or the query; OpenAPI cannot require one of two",
    "future_time": "a time later than now: a schema has no clock",
}
ACCEPTANCE = schemathesis.checks.positive_data_acceptance


def valid_input_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis's positive_data_acceptance, except for the refusals in BUSINESS_RULES."""
    if _error_code(response) in BUSINESS_RULES:
        return None
    result: bool | None = ACCEPTANCE(ctx, response, case)
    return result


def _error_code(response: schemathesis.Response) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


SERVER_ERROR = schemathesis.checks.not_a_server_error


def no_server_error(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis's not_a_server_error, except a 503 that the operation documents and sends
    with Retry-After, its "try again later": Halo's media routes while Atlas is away (the
    seed's contract)."""
    documented = "503" in case.operation.definition.raw.get("responses", {})
    if response.status_code == 503 and documented and "retry-after" in response.headers:
        return None
    result: bool | None = SERVER_ERROR(ctx, response, case)
    return result


def call_and_validate(case: schemathesis.Case, headers: dict[str, str]) -> None:
    """Send the case with the role's headers; run every check schemathesis has on the answer
    (two of them with the exceptions above)."""
    case.call_and_validate(
        headers=headers,
        excluded_checks=[ACCEPTANCE, SERVER_ERROR],
        additional_checks=[valid_input_accepted, no_server_error],
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
