"""The hub: this process's open WebSockets, and which of them each event reaches.

Delivery never waits on a socket. Each connection has a bounded queue drained by its own
sender; a connection whose queue overflows is dropped (its client reconnects and re-reads the
API), so one slow or dead phone never holds up the others or the bus.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from safewatch.core.events import Event, EventBus

QUEUE_SIZE = 256
# Close codes a client can act on: 1012 "service restart" and 1013 "try again later" mean
# reconnect; 4401 means sign in again.
SERVICE_RESTART, TOO_SLOW, UNAUTHORIZED = 1012, 1013, 4401


class Connection:
    """One open socket: what it is owed (`queue`) and whether the server is dropping it."""

    def __init__(self, user_id: int, role: str, queue_size: int) -> None:
        self.user_id = user_id
        self.role = role
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(queue_size)
        self.dropped = asyncio.Event()
        self.close_code = 1000
        self.close_reason = ""

    def offer(self, message: dict[str, Any]) -> None:
        if self.dropped.is_set():
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.drop(TOO_SLOW, "too slow: events were dropped; reconnect and re-read the API")

    def drop(self, code: int, reason: str) -> None:
        """Ask the socket's handler to close it with this code; the first reason wins."""
        if not self.dropped.is_set():
            self.close_code, self.close_reason = code, reason
            self.dropped.set()


class Hub:
    def __init__(self, bus: EventBus, *, queue_size: int = QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._connections: dict[tuple[int, str], set[Connection]] = defaultdict(set)
        bus.subscribe(self.deliver)

    def connect(self, user_id: int, role: str) -> Connection:
        connection = Connection(user_id, role, self._queue_size)
        self._connections[(user_id, role)].add(connection)
        return connection

    def disconnect(self, connection: Connection) -> None:
        key = (connection.user_id, connection.role)
        connections = self._connections.get(key)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._connections[key]

    @property
    def open_connections(self) -> int:
        return sum(len(connections) for connections in self._connections.values())

    async def deliver(self, event: Event) -> None:
        message = {"type": event.type, "data": event.data}
        for (user_id, role), connections in list(self._connections.items()):
            if event.reaches(user_id, role):
                for connection in list(connections):
                    connection.offer(message)

    async def close(self) -> None:
        """On shutdown: every client is told to reconnect (to this or another process)."""
        for connections in list(self._connections.values()):
            for connection in list(connections):
                connection.drop(SERVICE_RESTART, "server restarting: reconnect")
