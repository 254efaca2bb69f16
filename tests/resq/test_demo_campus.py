"""The demo campus is what the issue promises, and loading it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.demo import seed_demo_campus
from safewatch.resq.models import Beacon, BeaconLink, Guard, User


async def snapshot(runtime: ServiceRuntime) -> dict[str, object]:
    async with runtime.db.transaction() as session:
        beacons = (await session.execute(select(Beacon))).scalars().all()
        on_duty = (
            (await session.execute(select(Guard.current_beacon_id).where(Guard.on_duty.is_(True))))
            .scalars()
            .all()
        )
        roles = (await session.execute(select(User.role, func.count()).group_by(User.role))).all()
        links = (await session.execute(select(func.count()).select_from(BeaconLink))).scalar_one()
    return {
        "beacons": {b.beacon_id: b.location_name for b in beacons},
        "buildings": {b.building for b in beacons if b.building != "Outdoor"},
        "floors": {(b.building, b.floor) for b in beacons},
        "on_duty_beacons": on_duty,
        "roles": dict(roles),
        "links": links,
    }


async def test_demo_campus_has_what_the_issue_promises(resq: ServiceRuntime) -> None:
    demo = await snapshot(resq)
    beacons = demo["beacons"]
    assert isinstance(beacons, dict) and len(beacons) >= 12
    assert beacons["safe:uuid:403:403"] == "Library 3F Entrance"
    assert {"safe:uuid:401:401", "safe:uuid:402:402"} <= set(beacons)
    assert len(demo["buildings"]) >= 2  # type: ignore[arg-type]
    assert len({floor for _, floor in demo["floors"]}) >= 3  # type: ignore[attr-defined]
    on_duty = demo["on_duty_beacons"]
    assert len(on_duty) >= 6 and len(set(on_duty)) == len(on_duty)  # type: ignore[arg-type]
    roles = demo["roles"]
    assert roles["dispatcher"] >= 1 and roles["student"] >= 2  # type: ignore[index]
    assert demo["links"] > 0


async def test_loading_the_demo_twice_duplicates_nothing(
    resq: ServiceRuntime, clock: FrozenClock
) -> None:
    before = await snapshot(resq)
    async with resq.db.transaction() as session:
        await seed_demo_campus(session, clock.advance(3600))
    assert await snapshot(resq) == before
