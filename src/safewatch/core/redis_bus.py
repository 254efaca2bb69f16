"""The event bus across processes: Redis pub/sub on one channel.

Every process publishes to the channel and every process (its own included) hears every event
from it, so delivery is the same whichever process a client is connected to. Events are best
effort: a publish that fails is logged and dropped, and events sent while a reader is
reconnecting are lost. The state they announce is already in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from safewatch.core.events import Event, Subscriber
from safewatch.core.logging import get_logger

log = get_logger(__name__)


class RedisBus:
    """EventBus over Redis pub/sub. `start()` subscribes; `publish()` never raises."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        start_timeout: float = 5.0,
        max_backoff: float = 10.0,
    ) -> None:
        self.channel = channel
        self._start_timeout = start_timeout
        self._max_backoff = max_backoff
        self._subscribers: list[Subscriber] = []
        # Publishing fails fast (one reconnect for a pooled connection Redis dropped), so a
        # Redis outage costs a publisher at most a few seconds, never an error.
        self._publisher = Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 1)
        )
        # The reader pings a quiet connection now and then, so a dead one is noticed; its name
        # shows in CLIENT LIST which channel it serves.
        self._listener = Redis.from_url(
            url,
            socket_connect_timeout=2,
            health_check_interval=15,
            client_name=f"events:{channel}".replace(" ", "_"),
        )
        self._subscribed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, event: Event) -> None:
        try:
            await self._publisher.publish(self.channel, json.dumps(event.to_wire()))
        except Exception as exc:
            log.warning("event_dropped", event_type=event.type, error=_describe(exc))

    async def start(self) -> None:
        """Subscribe, waiting a few seconds at most: without Redis the service still serves."""
        if self._reader is not None:
            return
        self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")
        try:
            await asyncio.wait_for(self._subscribed.wait(), self._start_timeout)
        except TimeoutError:
            log.warning(
                "event_bus_not_subscribed",
                channel=self.channel,
                hint="real-time events from other processes arrive once Redis is reachable",
            )

    async def stop(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        for client in (self._publisher, self._listener):
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _read_forever(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                if delay > 0.1:
                    log.info("event_bus_reconnected", channel=self.channel)
                delay = 0.1
                await self._pump(pubsub)
            except Exception as exc:
                self._subscribed.clear()
                log.warning(
                    "event_bus_disconnected", error=_describe(exc), retry_in=round(delay, 2)
                )
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, self._max_backoff)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _pump(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
            if message is not None and message["type"] == "message":
                await self._deliver(message["data"])

    async def _deliver(self, payload: Any) -> None:
        try:
            event = Event.from_wire(json.loads(payload))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("event_malformed", channel=self.channel, error=_describe(exc))
            return
        for subscriber in list(self._subscribers):
            try:
                await subscriber(event)
            except Exception:
                log.exception("event_subscriber_failed", event_type=event.type)


def _describe(exc: Exception) -> str:
    # Redis errors name host and port, never the URL's password.
    return f"{type(exc).__name__}: {exc}"
