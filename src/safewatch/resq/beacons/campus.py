"""An in-process copy of the campus (beacons and walking links), refreshed every few seconds.

Beacons change rarely and every detection needs one, so reading them from the database on each
request would cost a statement on the hot path. A beacon added or deactivated elsewhere is seen
within `ttl_seconds`; a beacon this process has not seen yet is looked up at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.clock import Clock
from safewatch.core.db import table_of
from safewatch.core.errors import AppError
from safewatch.resq.guards.proximity import Place
from safewatch.resq.models import Beacon, BeaconLink

beacons = table_of(Beacon)
links_table = table_of(BeaconLink)


@dataclass(frozen=True)
class CampusBeacon:
    beacon_id: str
    location_name: str
    active: bool
    place: Place


@dataclass(frozen=True)
class CampusSnapshot:
    beacons: dict[str, CampusBeacon]
    links: list[tuple[str, str, float]]
    loaded_at: float  # clock.monotonic()

    @property
    def places(self) -> dict[str, Place]:
        return {beacon_id: b.place for beacon_id, b in self.beacons.items()}


class CampusCache:
    """No lock on purpose: a caller may already hold the process's only SQLite connection, so
    waiting here for another caller (who waits for that connection) would deadlock. Instead one
    caller refreshes with its own session while the others keep using the stale copy."""

    def __init__(
        self, clock: Clock, ttl_seconds: float = 10.0, miss_reload_seconds: float = 1.0
    ) -> None:
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        # An unknown beacon id triggers a reload at most this often, so a client posting made-up
        # ids cannot make every request reload the campus.
        self.miss_reload_seconds = miss_reload_seconds
        self._snapshot: CampusSnapshot | None = None
        self._refreshing = False

    def invalidate(self) -> None:
        self._snapshot = None

    async def snapshot(
        self, session: AsyncSession, *, require: str | None = None
    ) -> CampusSnapshot:
        """The current campus; reloaded when stale, or when `require` is a beacon not in it."""
        current = self._snapshot
        if current is not None:
            age = self.clock.monotonic() - current.loaded_at
            missing = require is not None and require not in current.beacons
            if age < self.ttl_seconds and not (missing and age >= self.miss_reload_seconds):
                return current
            if self._refreshing:
                return current  # someone is reloading it; stale by a moment is fine
        self._refreshing = True
        try:
            self._snapshot = await _load(session, self.clock)
        finally:
            self._refreshing = False
        return self._snapshot

    async def active_beacon(self, session: AsyncSession, beacon_id: str) -> CampusBeacon | None:
        beacon = (await self.snapshot(session, require=beacon_id)).beacons.get(beacon_id)
        return beacon if beacon is not None and beacon.active else None

    async def require_active(self, session: AsyncSession, beacon_id: str) -> CampusBeacon:
        """The active beacon, or the 422 a phone's app gets for one it should not use."""
        beacon = await self.active_beacon(session, beacon_id)
        if beacon is None:
            raise AppError(
                f"Beacon {beacon_id} not found or inactive: use an id from GET /api/beacons/",
                status=422,
                code="unknown_beacon",
            )
        return beacon


async def _load(session: AsyncSession, clock: Clock) -> CampusSnapshot:
    rows = await session.execute(
        select(
            beacons.c.beacon_id,
            beacons.c.location_name,
            beacons.c.active,
            beacons.c.floor,
            beacons.c.latitude,
            beacons.c.longitude,
        )
    )
    loaded = {
        r.beacon_id: CampusBeacon(
            r.beacon_id,
            r.location_name,
            r.active,
            Place(r.beacon_id, r.floor, r.latitude, r.longitude),
        )
        for r in rows.all()
    }
    link_rows = await session.execute(
        select(links_table.c.beacon_a, links_table.c.beacon_b, links_table.c.distance_m)
    )
    links = [(a, b, metres) for a, b, metres in link_rows.all()]
    return CampusSnapshot(loaded, links, clock.monotonic())
