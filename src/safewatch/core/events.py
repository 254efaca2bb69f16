"""Real-time events: queued in a unit of work, published only after it commits.

Events are best-effort notifications of state that is already durable in the database (a
client that missed one re-reads the API). The bus fans them out: in one process an in-process
bus; with several processes a Redis pub/sub bus, so each process's WebSocket clients get every
process's events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

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


_in_flight: set[asyncio.Task[None]] = set()


def publish_after_commit(session: AsyncSession, event: Event) -> None:
    """LEGACY(resq): queue an event on this session's transaction, published only if it commits,
    on the bus found through `session.info`. New code calls `UnitOfWork.publish`; remove this
    with `Database.event_bus` once ResQ does."""
    database = session.info.get("database")
    bus: EventBus | None = getattr(database, "event_bus", None)
    if bus is None:
        return
    sync_session = session.sync_session
    pending: list[Event] | None = sync_session.info.get("pending_events")
    if pending is None:
        pending = sync_session.info["pending_events"] = []

        def _after_commit(_: Any) -> None:
            events = sync_session.info.pop("pending_events", [])
            loop = asyncio.get_running_loop()
            for queued in events:
                task = loop.create_task(bus.publish(queued))
                _in_flight.add(task)  # keep a reference until done, or it may be collected
                task.add_done_callback(_in_flight.discard)

        def _after_rollback(_: Any) -> None:
            sync_session.info.pop("pending_events", None)

        sa_event.listen(sync_session, "after_commit", _after_commit, once=True)
        sa_event.listen(sync_session, "after_rollback", _after_rollback, once=True)
    pending.append(event)
