"""Guard selection: nearest by walking distance over the beacon graph, else straight line."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import delete, select, update

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.guards.proximity import Place, rank_guards, walking_distances
from safewatch.resq.models import BeaconLink, Guard, GuardAlert, User

# A fixture campus: a corridor A - B - C - D on floor 1, E upstairs above A (no links to E).
PLACES = {
    "A": Place("A", 1, 59.0, 18.0),
    "B": Place("B", 1, 59.0, 18.0010),
    "C": Place("C", 1, 59.0, 18.0020),
    "D": Place("D", 1, 59.0, 18.0030),
    "E": Place("E", 3, 59.0, 18.0),
    "X": Place("X", 1, None, None),
}
LINKS = [("A", "B", 60.0), ("B", "C", 60.0), ("C", "D", 60.0)]


def test_dijkstra_walks_the_graph() -> None:
    assert walking_distances("A", LINKS) == {"A": 0.0, "B": 60.0, "C": 120.0, "D": 180.0}


def test_walking_distance_beats_straight_line_when_links_exist() -> None:
    # Shortcut: straight line from A to D is ~170 m, but the only path is 180 m; with a direct
    # long link A-D of 500 m the path through B and C still wins.
    links = [*LINKS, ("A", "D", 500.0)]
    ranked = rank_guards(PLACES["A"], PLACES, links, [(1, "D"), (2, "C")], floor_penalty_m=25)
    assert [(g.guard_id, g.distance_m) for g in ranked] == [(2, 120.0), (1, 180.0)]


def test_unlinked_beacons_fall_back_to_straight_line_plus_floor_penalty() -> None:
    ranked = rank_guards(PLACES["A"], PLACES, LINKS, [(7, "E")], floor_penalty_m=25)
    assert ranked[0].distance_m == pytest.approx(50.0)  # same spot, two floors up


def test_ties_by_guard_id_and_unknown_positions_last() -> None:
    guards = [(9, None), (5, "B"), (3, "B"), (4, "X"), (1, None)]
    ranked = rank_guards(PLACES["A"], PLACES, LINKS, guards, floor_penalty_m=25)
    assert [g.guard_id for g in ranked] == [3, 5, 1, 4, 9]
    assert ranked[0].distance_m == 60.0 and ranked[-1].distance_m is None


def test_no_links_at_all_uses_coordinates() -> None:
    ranked = rank_guards(
        PLACES["A"], PLACES, [], [(1, "D"), (2, "B"), (3, "C")], floor_penalty_m=25
    )
    assert [g.guard_id for g in ranked] == [2, 3, 1]


async def test_alerts_go_to_the_three_nearest_on_duty_guards_ranked(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    response = await client.post(
        "/api/ai/violence-detected/",
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"},
    )
    async with resq.db.transaction() as session:
        alerts = (
            await session.execute(
                select(User.username, GuardAlert.priority_rank, GuardAlert.distance_m)
                .join(Guard, Guard.id == GuardAlert.guard_id)
                .join(User, User.id == Guard.user_id)
                .where(GuardAlert.incident_id == uuid.UUID(response.json()["incident_id"]))
                .order_by(GuardAlert.priority_rank)
            )
        ).all()
    # Demo campus: guard3 at 3F Study Area (15 m), guard2 at 2F Study Hall (30 m),
    # guard1 at 1F Entrance (60 m); guard7 is nearer than some but off duty.
    assert [(a.username, a.priority_rank, a.distance_m) for a in alerts] == [
        ("guard3", 1, 15.0),
        ("guard2", 2, 30.0),
        ("guard1", 3, 60.0),
    ]


async def test_off_duty_guards_are_never_alerted_and_fewer_than_three_is_fine(
    client: httpx.AsyncClient, resq: ServiceRuntime, clock: FrozenClock
) -> None:
    async with resq.db.transaction() as session:
        await session.execute(update(Guard).values(on_duty=False))
        guard_id = (await session.execute(select(Guard.id).limit(1))).scalar_one()
        await session.execute(update(Guard).where(Guard.id == guard_id).values(on_duty=True))
    response = await client.post(
        "/api/ai/scream-detected/",
        json={"beacon_id": "safe:uuid:702:702", "confidence_score": 0.9, "description": "Scream"},
    )
    assert response.status_code == 201
    async with resq.db.transaction() as session:
        alerted = (await session.execute(select(GuardAlert.guard_id))).scalars().all()
    assert alerted == [guard_id]


async def test_campus_without_links_ranks_by_coordinates_and_floors(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    async with resq.db.transaction() as session:
        await session.execute(delete(BeaconLink))
    response = await client.post(
        "/api/ai/violence-detected/",
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"},
    )
    async with resq.db.transaction() as session:
        ranked = (
            await session.execute(
                select(User.username, GuardAlert.distance_m)
                .join(Guard, Guard.user_id == User.id)
                .join(GuardAlert, GuardAlert.guard_id == Guard.id)
                .where(GuardAlert.incident_id == uuid.UUID(response.json()["incident_id"]))
                .order_by(GuardAlert.priority_rank)
            )
        ).all()
    # Straight line plus 25 m a floor: 3F Study Area ~16 m, 2F Study Hall ~2 m + 1 floor,
    # 1F Entrance ~2 m + 2 floors (with links these were 15, 30 and 60 m of walking).
    assert [name for name, _ in ranked] == ["guard3", "guard2", "guard1"]
    assert [round(d) for _, d in ranked] == [16, 27, 52]
