"""What the caller saw of Atlas recently: availability and latency, for KPIs."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from prometheus_client import Histogram

ATLAS_CALLS = Histogram(
    "safewatch_atlas_client_seconds",
    "Atlas client calls by outcome (ok, rejected, unavailable, cooldown)",
    ["product", "operation", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 0.8, 1, 2, 5, 10),
)


@dataclass(frozen=True)
class CallSummary:
    calls: int
    answered: int
    availability: float | None
    latency_avg_ms: float | None
    latency_p95_ms: float | None
    cooldown_state: str


class CallLog:
    """The last `size` calls: whether Atlas answered and, if so, how fast."""

    def __init__(self, size: int = 1000) -> None:
        self._calls: deque[tuple[bool, float]] = deque(maxlen=size)

    def record(self, answered: bool, seconds: float) -> None:
        self._calls.append((answered, seconds))

    def summary(self, cooldown_state: str) -> CallSummary:
        calls = list(self._calls)
        latencies = sorted(seconds for answered, seconds in calls if answered)
        p95 = latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else None
        return CallSummary(
            calls=len(calls),
            answered=len(latencies),
            availability=len(latencies) / len(calls) if calls else None,
            latency_avg_ms=1000 * sum(latencies) / len(latencies) if latencies else None,
            latency_p95_ms=1000 * p95 if p95 is not None else None,
            cooldown_state=cooldown_state,
        )
