"""GET /ws: live events for the guard app, the student app and the dispatch console."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from safewatch.core.auth import Principal, TokenError
from safewatch.core.logging import get_logger
from safewatch.resq.deps import ResqContext
from safewatch.resq.realtime.hub import UNAUTHORIZED, Connection, Hub

log = get_logger(__name__)
router = APIRouter(tags=["real time"])
AUTH_SECONDS = 5.0
MAX_CLIENT_MESSAGE = 8192
AUTH_FIRST = 'send {"type": "auth", "token": "<access token>"} first'
Validity = Callable[[], str | None]


@router.websocket("/ws")
async def live_events(websocket: WebSocket) -> None:
    """Auth rule "signed in", as for the HTTP API: a valid, unexpired access token of any role
    (from POST /api/auth/token/), sent as `/ws?token=...` or as the first message
    `{"type": "auth", "token": "..."}` within 5 seconds. Otherwise the socket closes with code
    4401 and a reason. Once the token has expired the next message is not sent: the socket
    closes with 4401 (connect again with a fresh token).

    Then: `{"type": "ready", "user": ..., "role": ...}`, followed by events as
    `{"type": "alert.created" | "alert.closed" | "incident.updated" | "message.created",
    "data": {...}}`, only those meant for this user or role (dispatchers get all). Send
    `{"type": "ping"}` for a `{"type": "pong"}`. Close 1012 or 1013: reconnect and re-read the
    API; events are best effort, the API is the record.
    """
    ctx: ResqContext = websocket.app.state.resq
    hub: Hub = websocket.app.state.realtime
    token = _take_query_token(websocket)
    await websocket.accept()
    try:
        if token is None:
            token = await _first_message_token(websocket)
        principal = ctx.tokens.verify(token, ctx.clock.now())
    except WebSocketDisconnect:
        return
    except (TokenError, _AuthFailed) as exc:
        await _close(websocket, UNAUTHORIZED, str(exc))
        return

    def token_problem() -> str | None:
        try:
            ctx.tokens.verify(token, ctx.clock.now())
        except TokenError as exc:
            return str(exc)
        return None

    await _serve(websocket, hub, principal, token_problem)


class _AuthFailed(Exception):
    pass


def _take_query_token(websocket: WebSocket) -> str | None:
    """Read ?token= and remove it from the scope: the server logs the accepted path with its
    query string, and no log line may ever hold a token."""
    pairs = parse_qsl(websocket.scope.get("query_string", b"").decode("latin-1"))
    tokens = [value for name, value in pairs if name == "token"]
    if tokens:
        rest = [(name, value) for name, value in pairs if name != "token"]
        websocket.scope["query_string"] = urlencode(rest).encode("latin-1")
    return tokens[0] if tokens else None


async def _first_message_token(websocket: WebSocket) -> str:
    try:
        text = await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS)
    except TimeoutError:
        raise _AuthFailed(f"no token within {AUTH_SECONDS:g} s: {AUTH_FIRST}") from None
    except (KeyError, RuntimeError):  # a binary frame has no text
        raise _AuthFailed(AUTH_FIRST) from None
    message = _parse(text)
    token = message.get("token") if message.get("type") == "auth" else None
    if not isinstance(token, str) or not token:
        raise _AuthFailed(AUTH_FIRST)
    return token


async def _serve(
    websocket: WebSocket, hub: Hub, principal: Principal, token_problem: Validity
) -> None:
    connection = hub.connect(principal.user_id, principal.role)
    connection.offer({"type": "ready", "user": principal.username, "role": principal.role})
    tasks = [
        asyncio.create_task(_send(websocket, connection, token_problem)),
        asyncio.create_task(_receive(websocket, connection)),
        asyncio.create_task(connection.dropped.wait()),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            # A vanished client is routine; anything else is a bug worth a traceback.
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                log.error("websocket_failed", error=repr(error), exc_info=error)
    finally:
        hub.disconnect(connection)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if connection.dropped.is_set():
        await _close(websocket, connection.close_code, connection.close_reason)


async def _send(websocket: WebSocket, connection: Connection, token_problem: Validity) -> None:
    """The only writer after accept. Each message re-checks the token, so an expired one stops
    the stream just as it stops HTTP requests."""
    while True:
        message = await connection.queue.get()
        problem = token_problem()
        if problem is not None:
            connection.drop(UNAUTHORIZED, problem)
            return
        await websocket.send_json(message)


async def _receive(websocket: WebSocket, connection: Connection) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        kind = _parse(message.get("text") or "").get("type")
        if kind == "ping":
            connection.offer({"type": "pong"})
        elif kind != "auth":  # a repeated auth message is harmless
            connection.offer({"type": "error", "message": 'unknown message: send {"type": "ping"}'})


def _parse(text: str) -> dict[str, Any]:
    if len(text) > MAX_CLIENT_MESSAGE:  # clients send only auth and ping: never parse a flood
        return {}
    try:
        message = json.loads(text)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # A close reason is at most 123 bytes; the client may already be gone.
    reason = reason.encode()[:123].decode(errors="ignore")
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
        await asyncio.wait_for(websocket.close(code, reason), 5)
