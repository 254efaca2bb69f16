"""Per-key rate limits (a moving window) that answer 429 with Retry-After.

Storage is per process: with N processes a key gets up to N x the limit.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.core.errors import TooManyRequests


class RateLimit:
    """`limit` is the setting's text ("30/minute"), also quoted in the refusal's message."""

    def __init__(self, limit: str, *, scope: str) -> None:
        self.limit = limit
        self._item = parse(limit)
        self._scope = scope
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, key: str, *, refusal: str) -> None:
        """Count one request for `key`; over the limit, TooManyRequests ("<refusal>: limit
        <limit>") with the seconds until the window lets one through again."""
        if await self._limiter.hit(self._item, self._scope, key):
            return
        stats = await self._limiter.get_window_stats(self._item, self._scope, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))  # limits uses wall time
        raise TooManyRequests(f"{refusal}: limit {self.limit}", headers={"Retry-After": str(wait)})
