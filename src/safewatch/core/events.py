"""Real-time events: queued in a unit of work, published only after it commits.

Events are best-effort notifications of state that is already durable in the database (a
client that missed one re-reads the API). The bus fans them out: in one process an in-process
bus; with several processes a Redis pub/sub bus, so each process's WebSocket clients get every
process's events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from safewatch.core.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Event:
    """`type` such as "alert.created"; delivered to `user_ids` and to every user of `roles`."""

    type: str
    data: dict[str, Any]
    user_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "data": self.data,
            "user_ids": sorted(self.user_ids),
            "roles": sorted(self.roles),
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Event:
        return cls(
            wire["type"], wire["data"], frozenset(wire["user_ids"]), frozenset(wire["roles"])
        )

    def reaches(self, user_id: int, role: str) -> bool:
        return user_id in self.user_ids or role in self.roles


Subscriber = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    async def publish(self, event: Event) -> None: ...

    def subscribe(self, subscriber: Subscriber) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessBus:
    """Every subscriber in this process gets every event."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                await subscriber(event)
            except Exception:
                log.exception("event_subscriber_failed", event_type=event.type)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
