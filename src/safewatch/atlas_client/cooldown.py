"""Fail fast after repeated failures: a circuit breaker with one probe at a time after it."""

from __future__ import annotations

from typing import Literal

from safewatch.atlas_client.errors import AtlasUnavailableError
from safewatch.core.clock import Clock, SystemClock

State = Literal["closed", "open", "half_open"]


class Cooldown:
    """Counts failed calls in a row. At `threshold` it opens for `seconds`: calls raise at once
    without touching the network. Afterwards exactly one call (the probe) goes through while
    the others still fail fast; its success closes the circuit, its failure reopens it.

    Single event loop, no awaits inside: no lock needed. Time is `clock.monotonic()`."""

    def __init__(self, threshold: int, seconds: float, clock: Clock | None = None) -> None:
        self.threshold = threshold
        self.seconds = seconds
        self._monotonic = (clock or SystemClock()).monotonic
        self.failures = 0
        self._open_until = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        if self.failures < self.threshold:
            return "closed"
        return "open" if self._monotonic() < self._open_until or self._probing else "half_open"

    def remaining(self) -> float:
        """Seconds until a probe may go (0 when calls go through)."""
        if self.failures < self.threshold:
            return 0.0
        return max(0.0, self._open_until - self._monotonic())

    def admit(self) -> bool:
        """Let a call through, or raise. Returns True when the call is the probe."""
        if self.failures < self.threshold:
            return False
        wait = self.remaining()
        if wait > 0:
            raise AtlasUnavailableError(
                f"Atlas is cooling down after {self.failures} failed calls; "
                f"next try in {wait:.1f} s",
                retry_after=wait,
            )
        if self._probing:
            raise AtlasUnavailableError(
                "Atlas is cooling down; one call is checking whether it is back",
                retry_after=1.0,
            )
        self._probing = True
        return True

    def succeeded(self) -> None:
        self.failures = 0
        self._probing = False

    def failed(self) -> None:
        self.failures += 1
        self._probing = False
        if self.failures >= self.threshold:
            self._open_until = self._monotonic() + self.seconds

    def abandoned(self, probe: bool) -> None:
        """The call ended without a verdict (cancelled): let another probe go."""
        if probe:
            self._probing = False
