"""The incident life cycle as a hypothesis state machine against the real ResQ app, in process.

Each test case gets a fresh database (the `database_url` fixture, both backends), the demo campus
and a FrozenClock that moves only when a rule says so. Rules send what the apps send: detections
(above and below the thresholds), SOS, accept (also two guards at once), decline, arrive, resolve,
cancel; time passes with and without the worker running the escalation timers. After every step
the database and the API are compared with `LifecycleModel`, and the invariants below are checked.
Hypothesis drives sync code, so each test case owns one event loop (asyncio.Runner).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from safewatch.core.auth import Principal
from safewatch.core.clock import FrozenClock
from safewatch.resq.app import build_resq
from safewatch.resq.demo import seed_demo_campus
from safewatch.resq.settings import ResqSettings
from tests.resq.conftest import RecordingNotifier
from tests.resq.lifecycle_model import (
    ASSIGNED,
    CLOSED,
    CREATED,
    NEXT_STATUSES,
    SENT,
    LifecycleModel,
    ModelIncident,
)
from tests.resq.lifecycle_state import DatabaseState, read_people, read_state

BEACONS = ("safe:uuid:403:403", "safe:uuid:402:402", "safe:uuid:701:701")
THRESHOLD = {"violence": 0.75, "scream": 0.80}
PRIORITY = {"violence": "Critical", "scream": "High"}
CONFIDENCES = st.sampled_from([0.0, 0.74, 0.7499, 0.75, 0.7999, 0.8, 1.0]) | st.floats(0, 1)
# inside, on and past the 5-minute window, plus anything up to 15 minutes
GAPS = st.sampled_from([1, 59, 60, 299, 300, 301, 600]) | st.integers(1, 900)
LIFECYCLE_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=35,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class IncidentLifecycle(RuleBasedStateMachine):
    fresh_database_url: Callable[[], str]  # set by the test: a new empty database per case
    data_dir: Path

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock()
        self.model = LifecycleModel()
        self.previous: DatabaseState | None = None
        self.closed_snapshots: dict[str, object] = {}
        self.touched: set[str] = set()
        resq_settings = ResqSettings(
            database_url=self.fresh_database_url(),
            data_dir=self.data_dir,
            jwt_secret="lifecycle-properties-secret-0123456789",
            ai_rate_limit="100000/minute",
        )
        self.runtime = build_resq(resq_settings, clock=self.clock, notifier=RecordingNotifier())
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.runtime.app), base_url="http://resq"
        )
        self.runner = asyncio.Runner()
        try:
            self.users, self.guard_usernames = self.runner.run(self._seed())
        except BaseException:
            self.teardown()
            raise

    async def _seed(self) -> tuple[dict[str, Principal], dict[int, str]]:
        async with self.runtime.db.transaction() as session:
            await seed_demo_campus(session, self.clock.now())
        return await read_people(self.runtime.db)

    def teardown(self) -> None:
        async def stop() -> None:
            await self.client.aclose()
            await self.runtime.stop()

        try:
            self.runner.run(stop())
        finally:
            self.runner.close()

    # -- talking to the app ------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, user: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {}
        if user is not None:
            token = self.runtime.app.state.resq.tokens.issue(self.users[user], self.clock.now())
            headers["Authorization"] = f"Bearer {token}"
        return await self.client.request(method, path, headers=headers, **kwargs)

    def call(
        self, method: str, path: str, user: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.runner.run(self._call(method, path, user, **kwargs))

    def alert_at(self, incident: ModelIncident, rank: int) -> tuple[int, str]:
        """The alert id and its guard's username at `rank` (ranking is the app's business)."""
        assert self.previous is not None
        alert = self.previous.alerts[incident.id][rank - 1]
        return alert.id, self.guard_usernames[alert.guard_id]

    def pick(self, data: st.DataObject, among: list[ModelIncident] | None = None) -> ModelIncident:
        ids = [i.id for i in (self.model.incidents.values() if among is None else among)]
        return self.model.incidents[data.draw(st.sampled_from(ids), label="incident")]

    def pick_alert(self, data: st.DataObject) -> tuple[ModelIncident, int]:
        incident = self.pick(data)
        return incident, data.draw(st.integers(1, len(incident.alerts)), label="rank")

    # -- signals -------------------------------------------------------------------------------

    @initialize(kind=st.sampled_from(sorted(THRESHOLD)), beacon=st.sampled_from(BEACONS))
    def first_detection(self, kind: str, beacon: str) -> None:
        self.detect(kind, beacon, 0.9)

    @rule(
        kind=st.sampled_from(sorted(THRESHOLD)),
        beacon=st.sampled_from(BEACONS),
        confidence=CONFIDENCES,
    )
    def detect(self, kind: str, beacon: str, confidence: float) -> None:
        response = self.call(
            "POST",
            f"/api/ai/{kind}-detected/",
            json={"beacon_id": beacon, "confidence_score": confidence, "description": "seen"},
        )
        if confidence < THRESHOLD[kind]:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "logged_only"
            return
        self.signal(beacon, PRIORITY[kind], response, sos=False)

    @rule(student=st.sampled_from(["student1", "student2"]), beacon=st.sampled_from(BEACONS))
    def sos(self, student: str, beacon: str) -> None:
        response = self.call("POST", "/api/sos/", student, json={"beacon_id": beacon})
        self.signal(beacon, "Medium", response, sos=True)

    def signal(self, beacon: str, priority: str, response: httpx.Response, *, sos: bool) -> None:
        now = self.clock.now()
        target = self.model.joinable(beacon, now)
        body = response.json()
        if target is None:
            assert (response.status_code, body["status"]) == (201, "incident_created"), body
            assert body["incident_id"] not in self.model.incidents
            self.model.open(body["incident_id"], beacon, priority, now)
        else:  # within 5 minutes of the open incident's latest signal: it joins
            assert (response.status_code, body["status"]) == (200, "signal_added_to_existing")
            assert body["incident_id"] == target.id, "a signal in the window opened another"
            self.model.join(target, priority, now, sos=sos)
        incident = self.model.incidents[body["incident_id"]]
        assert (body["incident_status"], body["incident_priority"]) == (
            incident.status,
            incident.priority,
        )
        self.touched.add(incident.id)

    # -- guards --------------------------------------------------------------------------------

    async def _accept(self, incident: ModelIncident, rank: int) -> int:
        alert_id, guard = self.alert_at(incident, rank)
        response = await self._call("POST", f"/api/alerts/{alert_id}/acknowledge/", guard)
        return response.status_code

    @precondition(lambda self: self.model.incidents)
    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        incident, rank = self.pick_alert(data)
        wins = incident.status == CREATED and incident.alerts[rank - 1] == SENT
        assert self.runner.run(self._accept(incident, rank)) == (200 if wins else 409)
        if wins:
            self.model.accept(incident, rank)
        self.touched.add(incident.id)

    @precondition(
        lambda self: any(
            i.status == CREATED and i.alerts.count(SENT) >= 2 for i in self.model.incidents.values()
        )
    )
    @rule(data=st.data())
    def two_guards_accept_at_once(self, data: st.DataObject) -> None:
        contested = [
            i
            for i in self.model.incidents.values()
            if i.status == CREATED and i.alerts.count(SENT) >= 2
        ]
        incident = self.pick(data, contested)
        open_ranks = [rank for rank, s in enumerate(incident.alerts, 1) if s == SENT]
        first, second = data.draw(st.permutations(open_ranks))[:2]

        async def both() -> list[int]:
            return list(await asyncio.gather(*(self._accept(incident, r) for r in (first, second))))

        codes = self.runner.run(both())
        assert sorted(codes) == [200, 409], codes  # one winner; the other hears who has it
        self.model.accept(incident, first if codes[0] == 200 else second)
        self.touched.add(incident.id)

    @precondition(lambda self: self.model.incidents)
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        incident, rank = self.pick_alert(data)
        alert_id, guard = self.alert_at(incident, rank)
        response = self.call("POST", f"/api/alerts/{alert_id}/decline/", guard)
        still_open = incident.alerts[rank - 1] == SENT
        assert response.status_code == (200 if still_open else 409), response.text
        if still_open:
            self.model.decline(incident, rank)
        self.touched.add(incident.id)

    @precondition(lambda self: any(i.assignee_rank for i in self.model.incidents.values()))
    @rule(data=st.data())
    def arrive(self, data: st.DataObject) -> None:
        assigned = [i for i in self.model.incidents.values() if i.assignee_rank]
        incident = self.pick(data, assigned)
        assert incident.assignee_rank is not None
        _, guard = self.alert_at(incident, incident.assignee_rank)
        response = self.call("POST", f"/api/incidents/{incident.id}/arrived/", guard)
        on_the_way = incident.status == ASSIGNED and not incident.arrived
        assert response.status_code == (200 if on_the_way else 409), response.text
        if on_the_way:
            self.model.arrive(incident)
        self.touched.add(incident.id)

    @precondition(lambda self: any(i.assignee_rank for i in self.model.incidents.values()))
    @rule(data=st.data(), by=st.sampled_from(["assignee", "dispatcher", "another guard"]))
    def resolve(self, data: st.DataObject, by: str) -> None:
        assigned = [i for i in self.model.incidents.values() if i.assignee_rank]
        incident = self.pick(data, assigned)
        others = [r for r in range(1, len(incident.alerts) + 1) if r != incident.assignee_rank]
        if by == "another guard":  # alerted, so the incident is visible, but not theirs
            user, expected = self.alert_at(incident, others[0])[1], 404
        else:
            user = "dispatcher"
            if by == "assignee" and incident.assignee_rank:
                user = self.alert_at(incident, incident.assignee_rank)[1]
            expected = 200 if incident.status == ASSIGNED else 409
        response = self.call(
            "POST",
            f"/api/incidents/{incident.id}/resolve/",
            user,
            json={"resolution_code": "handled", "notes": "calm again"},
        )
        assert response.status_code == expected, response.text
        if expected == 200:
            self.model.close(incident, "RESOLVED")
        self.touched.add(incident.id)

    @precondition(lambda self: self.model.incidents)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        incident = self.pick(data)
        response = self.call(
            "POST", f"/api/incidents/{incident.id}/cancel/", "dispatcher", json={"reason": "drill"}
        )
        cancellable = incident.status in (CREATED, ASSIGNED)
        assert response.status_code == (200 if cancellable else 409), response.text
        if cancellable:
            self.model.close(incident, "CANCELLED")
        self.touched.add(incident.id)

    # -- time ----------------------------------------------------------------------------------

    @rule(seconds=GAPS)
    def time_passes(self, seconds: int) -> None:
        """The clock moves; the worker is busy (timers may be overdue until the next tick)."""
        self.clock.advance(seconds)

    @rule(seconds=st.sampled_from([30, 59, 60, 61, 120]))
    def escalation_tick(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.runner.run(self.runtime.worker.drain())
        before = {i.id: len(i.kinds) for i in self.model.incidents.values()}
        self.model.run_due_escalations(self.clock.now())
        changed = (i for i, n in before.items() if len(self.model.incidents[i].kinds) > n)
        self.touched.update(changed)

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def database_agrees_with_the_model(self) -> None:
        state = self.runner.run(read_state(self.runtime.db))
        assert set(state.incidents) == set(self.model.incidents)
        joinable = [row.beacon_id for row in state.incidents.values() if row.accepting_signals]
        assert len(joinable) == len(set(joinable)), "two joinable incidents at one beacon"
        for incident_id, incident in self.model.incidents.items():
            row = state.incidents[incident_id]
            assert (row.status, row.priority) == (incident.status, incident.priority)
            assert not (row.accepting_signals and row.status in CLOSED)
            alerts = state.alerts[incident_id]
            assert [a.priority_rank for a in alerts] == list(range(1, len(alerts) + 1))
            assert [a.status for a in alerts] == incident.alerts
            assert [e.kind for e in state.events[incident_id]] == incident.kinds
            self.check_assignment(state, incident)
        self.check_history(state)
        self.previous = state

    def check_assignment(self, state: DatabaseState, incident: ModelIncident) -> None:
        """One assignee at most, holding the only acknowledged alert."""
        alerts = state.alerts[incident.id]
        acknowledged = [a for a in alerts if a.status == "ACKNOWLEDGED"]
        assignment = state.assignments.get(incident.id)
        if incident.assignee_rank is None:
            assert assignment is None and not acknowledged
            return
        assert assignment is not None and acknowledged == [alerts[incident.assignee_rank - 1]]
        assert (assignment.alert_id, assignment.guard_id) == (
            acknowledged[0].id,
            acknowledged[0].guard_id,
        )
        assert (assignment.arrived_at is not None) == incident.arrived

    def check_history(self, state: DatabaseState) -> None:
        """Timelines only grow, statuses only move forward, closed incidents never change."""
        before = self.previous
        for incident_id, row in state.incidents.items():
            if before is not None and incident_id in before.incidents:
                old_events = before.events[incident_id]
                assert state.events[incident_id][: len(old_events)] == old_events
                assert row.status in NEXT_STATUSES[before.incidents[incident_id].status]
            if row.status in CLOSED:
                snapshot = state.snapshot(incident_id)
                assert self.closed_snapshots.setdefault(incident_id, snapshot) == snapshot

    @invariant()
    def api_agrees_with_the_model(self) -> None:
        for incident_id in sorted(self.touched):
            incident = self.model.incidents[incident_id]
            detail = self.call("GET", f"/api/incidents/{incident_id}/", "dispatcher").json()
            assert (detail["status"], detail["priority"]) == (incident.status, incident.priority)
            assert [e["kind"] for e in detail["timeline"]] == incident.kinds
            assert [a["status"] for a in detail["alerts"]] == incident.alerts
            assert (detail["assignment"] is not None) == (incident.assignee_rank is not None)
        self.touched.clear()


@pytest.mark.timeout(420)  # passing takes ~20 s; shrinking a failure may take minutes
def test_incident_lifecycle(database_url: Callable[[str], str], tmp_path: Path) -> None:
    class Lifecycle(IncidentLifecycle):
        data_dir = tmp_path

        @staticmethod
        def fresh_database_url() -> str:
            return database_url("resq")

    run_state_machine_as_test(Lifecycle, settings=LIFECYCLE_SETTINGS)


async def test_no_arrival_after_the_incident_closed(
    client: httpx.AsyncClient, signed_in: Callable[[str], dict[str, str]]
) -> None:
    """Found by the machine: an arrival was recorded on a resolved incident."""
    guard = signed_in("guard3")  # the nearest guard to beacon 403
    fight = {"beacon_id": BEACONS[0], "confidence_score": 0.9, "description": "Fight"}
    incident_id = (await client.post("/api/ai/violence-detected/", json=fight)).json()[
        "incident_id"
    ]
    [alert] = (await client.get("/api/alerts/", headers=guard)).json()
    await client.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=guard)
    resolution = {"resolution_code": "handled"}
    await client.post(f"/api/incidents/{incident_id}/resolve/", headers=guard, json=resolution)
    late = await client.post(f"/api/incidents/{incident_id}/arrived/", headers=guard)
    assert late.status_code == 409
    detail = await client.get(f"/api/incidents/{incident_id}/", headers=signed_in("dispatcher"))
    assert detail.json()["timeline"][-1]["kind"] == "resolved"
    assert detail.json()["assignment"]["arrived_at"] is None
