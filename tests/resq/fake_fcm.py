"""A fake Firebase Cloud Messaging HTTP v1 server, plus the OAuth token endpoint google-auth uses.

Served on loopback by `serve_asgi_in_thread`, so the notifier under test talks real HTTP to it.
Each device token can have its own scripted queue of replies (the order in which one job sends
to a guard's devices is not fixed); anything unscripted falls back to the shared queue, and then
to a plain 200. Every request is recorded with its headers and JSON body.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from safewatch.core.testing.servers import serve_asgi_in_thread

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def fcm_error(
    status: int, grpc_status: str, error_code: str | None = None, **headers: str
) -> Reply:
    """An FCM v1 error reply: {"error": {code, message, status, details: [FcmError]}}."""
    error: dict[str, Any] = {"code": status, "message": grpc_status.lower(), "status": grpc_status}
    if error_code is not None:
        error["details"] = [{"@type": FCM_ERROR_TYPE, "errorCode": error_code}]
    return Reply(status, {"error": error}, dict(headers))


def ok() -> Reply:
    return Reply(200, {"name": "projects/fake/messages/scripted"})


def unavailable() -> Reply:
    return fcm_error(503, "UNAVAILABLE", "UNAVAILABLE")


def quota_exceeded(retry_after: str) -> Reply:
    return Reply(
        429,
        fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED").body,
        {"Retry-After": retry_after},
    )


def unregistered() -> Reply:
    return fcm_error(404, "NOT_FOUND", "UNREGISTERED")


def invalid_argument() -> Reply:
    return fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")


def unauthenticated() -> Reply:
    return fcm_error(401, "UNAUTHENTICATED")


@dataclass(frozen=True)
class SendRequest:
    project: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]
    reply: Reply

    @property
    def token(self) -> str | None:
        return self.body.get("message", {}).get("token")

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None


@dataclass(frozen=True)
class TokenRequest:
    headers: dict[str, str]
    form: dict[str, str]
    access_token: str


class FakeFcm:
    def __init__(self) -> None:
        self.url = ""
        self.sends: list[SendRequest] = []
        self.token_requests: list[TokenRequest] = []
        self._scripts: dict[str | None, deque[Reply]] = {}
        self._serial = itertools.count(1)
        self._lock = threading.Lock()  # the server runs in its own thread
        self.app = Starlette(
            routes=[
                Route("/v1/projects/{project}/messages:send", self._send, methods=["POST"]),
                Route("/token", self._token, methods=["POST"]),
            ]
        )

    def script(self, *replies: Reply, token: str | None = None) -> None:
        """Queue replies for sends to `token` (or, with no token, for any unscripted send)."""
        with self._lock:
            self._scripts.setdefault(token, deque()).extend(replies)

    def sends_to(self, token: str) -> list[SendRequest]:
        with self._lock:
            return [s for s in self.sends if s.token == token]

    @property
    def issued_tokens(self) -> list[str]:
        with self._lock:
            return [t.access_token for t in self.token_requests]

    def _next_reply(self, token: str | None) -> Reply:
        for key in (token, None):
            queue = self._scripts.get(key)
            if queue:
                return queue.popleft()
        return Reply(200, {"name": f"projects/fake/messages/{next(self._serial)}"})

    async def _send(self, request: Request) -> Response:
        body = json.loads(await request.body())
        with self._lock:
            reply = self._next_reply(body.get("message", {}).get("token"))
            self.sends.append(
                SendRequest(
                    project=request.path_params["project"],
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                    reply=reply,
                )
            )
        if isinstance(reply.body, str):  # not JSON: what a proxy or a wrong URL sends back
            return Response(reply.body, status_code=reply.status, headers=reply.headers)
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    async def _token(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        with self._lock:
            access_token = f"ya29.fake-access-{len(self.token_requests) + 1}"
            self.token_requests.append(
                TokenRequest({k.lower(): v for k, v in request.headers.items()}, form, access_token)
            )
        return JSONResponse(
            {"access_token": access_token, "expires_in": 3600, "token_type": "Bearer"}
        )

    @contextlib.contextmanager
    def serve(self) -> Iterator[FakeFcm]:
        with serve_asgi_in_thread(self.app) as url:
            self.url = url
            yield self


def service_account_info(
    key: rsa.RSAPrivateKey, *, project: str, key_id: str, email: str, token_uri: str
) -> dict[str, str]:
    """A Google service-account key whose OAuth token exchange goes to `token_uri`."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
