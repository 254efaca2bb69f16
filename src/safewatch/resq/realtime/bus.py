"""Which event bus a ResQ process uses: Redis when REDIS_URL is set, else in-process only."""

from __future__ import annotations

from safewatch.core.events import EventBus, InProcessBus
from safewatch.core.redis_bus import RedisBus

DEFAULT_CHANNEL = "safewatch:resq:events"


def build_event_bus(redis_url: str | None, channel: str | None = None) -> EventBus:
    """Several processes must share Redis, or each one's sockets hear only its own events."""
    if redis_url:
        return RedisBus(redis_url, channel or DEFAULT_CHANNEL)
    return InProcessBus()
