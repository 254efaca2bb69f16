"""A small in-process cache that keeps answers past their freshness, for when Atlas is down."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safewatch.core.clock import Clock


@dataclass(frozen=True)
class Cached:
    value: Any
    fetched_at: datetime
    stored: float  # clock.monotonic()


class PatternCache:
    """Fresh for `fresh_seconds`; kept (as a stale fallback) for `stale_seconds`; LRU-bounded."""

    def __init__(
        self,
        fresh_seconds: float,
        stale_seconds: float,
        clock: Clock,
        size: int = 2048,
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self.stale_seconds = stale_seconds
        self.size = size
        self._monotonic = clock.monotonic
        self._items: OrderedDict[Hashable, Cached] = OrderedDict()

    def fresh(self, key: Hashable) -> Cached | None:
        item = self._items.get(key)
        if item is None or self._monotonic() - item.stored > self.fresh_seconds:
            return None
        self._items.move_to_end(key)
        return item

    def stale(self, key: Hashable) -> Cached | None:
        item = self._items.get(key)
        if item is None or self._monotonic() - item.stored > self.stale_seconds:
            return None
        return item

    def put(self, key: Hashable, value: Any, fetched_at: datetime) -> None:
        self._items[key] = Cached(value, fetched_at, self._monotonic())
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
