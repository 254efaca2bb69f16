"""The demo campus: two buildings, five floors, 14 beacons with walking links, guards on duty,
a dispatcher and two students. Loading it twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db.dialect import insert_for
from safewatch.resq.models import Beacon, BeaconLink, Guard, User

# beacon id, location name, building, floor, latitude, longitude
BEACONS = [
    ("safe:uuid:101:101", "Library 1F Entrance", "Library", 1, 59.34960, 18.07060),
    ("safe:uuid:102:102", "Library 1F Reading Room", "Library", 1, 59.34972, 18.07090),
    ("safe:uuid:201:201", "Library 2F Study Hall", "Library", 2, 59.34962, 18.07065),
    ("safe:uuid:202:202", "Library 2F Group Rooms", "Library", 2, 59.34975, 18.07095),
    ("safe:uuid:401:401", "Library 3F Stacks", "Library", 3, 59.34978, 18.07100),
    ("safe:uuid:402:402", "Library 3F Study Area", "Library", 3, 59.34970, 18.07085),
    ("safe:uuid:403:403", "Library 3F Entrance", "Library", 3, 59.34961, 18.07062),
    ("safe:uuid:501:501", "Science Hall 1F Lobby", "Science Hall", 1, 59.34890, 18.07210),
    ("safe:uuid:502:502", "Science Hall 1F Lab Corridor", "Science Hall", 1, 59.34880, 18.07250),
    ("safe:uuid:601:601", "Science Hall 2F Lecture Hall A", "Science Hall", 2, 59.34892, 18.07215),
    ("safe:uuid:602:602", "Science Hall 2F Lab Wing", "Science Hall", 2, 59.34878, 18.07255),
    ("safe:uuid:701:701", "Main Quad", "Outdoor", 0, 59.34925, 18.07140),
    ("safe:uuid:702:702", "Parking Garage P1", "Parking Garage", 0, 59.34990, 18.07300),
    ("safe:uuid:703:703", "Student Union Cafe", "Student Union", 1, 59.34940, 18.07230),
]

# walking paths in metres (stairs between floors count extra)
LINKS = [
    ("safe:uuid:101:101", "safe:uuid:102:102", 25),
    ("safe:uuid:101:101", "safe:uuid:201:201", 30),
    ("safe:uuid:201:201", "safe:uuid:202:202", 25),
    ("safe:uuid:201:201", "safe:uuid:403:403", 30),
    ("safe:uuid:403:403", "safe:uuid:402:402", 15),
    ("safe:uuid:402:402", "safe:uuid:401:401", 15),
    ("safe:uuid:101:101", "safe:uuid:701:701", 80),
    ("safe:uuid:701:701", "safe:uuid:501:501", 70),
    ("safe:uuid:701:701", "safe:uuid:703:703", 60),
    ("safe:uuid:703:703", "safe:uuid:702:702", 90),
    ("safe:uuid:501:501", "safe:uuid:502:502", 30),
    ("safe:uuid:501:501", "safe:uuid:601:601", 30),
    ("safe:uuid:601:601", "safe:uuid:602:602", 35),
]

# username, display name, on duty, beacon
GUARDS = [
    ("guard1", "Alex Guard", True, "safe:uuid:101:101"),
    ("guard2", "Sam Guard", True, "safe:uuid:201:201"),
    ("guard3", "Robin Guard", True, "safe:uuid:402:402"),
    ("guard4", "Kim Guard", True, "safe:uuid:501:501"),
    ("guard5", "Charlie Guard", True, "safe:uuid:701:701"),
    ("guard6", "Jordan Guard", True, "safe:uuid:702:702"),
    ("guard7", "Taylor Guard", False, "safe:uuid:601:601"),
]
PEOPLE = [
    ("dispatcher", "Dana Dispatcher", "dispatcher"),
    ("student1", "Stella Student", "student"),
    ("student2", "Sebastian Student", "student"),
]
DEMO_USERNAMES = [u for u, *_ in GUARDS] + [u for u, *_ in PEOPLE]


def demo_roster() -> str:
    """The demo users by role, as the start-up block shows them."""
    off_duty = [u for u, _, on_duty, _ in GUARDS if not on_duty]
    off = f"; {', '.join(off_duty)} off duty" if off_duty else ""
    guards = f"{GUARDS[0][0]} ... {GUARDS[-1][0]} (guards{off})"
    dispatchers = ", ".join(u for u, _, role in PEOPLE if role == "dispatcher")
    students = ", ".join(u for u, _, role in PEOPLE if role == "student")
    return f"Demo users: {dispatchers} (dispatcher), {guards}, {students} (students)"


async def seed_demo_campus(session: AsyncSession, now: datetime) -> None:
    def insert(model: type) -> object:
        return insert_for(session, model)

    for beacon_id, name, building, floor, lat, lon in BEACONS:
        await session.execute(
            insert(Beacon)
            .values(  # type: ignore[attr-defined]
                beacon_id=beacon_id,
                location_name=name,
                building=building,
                floor=floor,
                latitude=lat,
                longitude=lon,
                active=True,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
    for a, b, metres in LINKS:
        a, b = sorted((a, b))
        await session.execute(
            insert(BeaconLink)
            .values(  # type: ignore[attr-defined]
                beacon_a=a, beacon_b=b, distance_m=metres
            )
            .on_conflict_do_nothing()
        )
    users = [(u, n, "guard") for u, n, _, _ in GUARDS] + PEOPLE
    for username, display_name, role in users:
        await session.execute(
            insert(User)
            .values(  # type: ignore[attr-defined]
                username=username,
                display_name=display_name,
                role=role,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["username"])
        )
    rows = (await session.execute(select(User.username, User.id))).all()
    ids = {username: user_id for username, user_id in rows}
    for username, _, on_duty, beacon_id in GUARDS:
        await session.execute(
            insert(Guard)
            .values(  # type: ignore[attr-defined]
                user_id=ids[username],
                on_duty=on_duty,
                current_beacon_id=beacon_id,
                last_seen_at=now,
            )
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
