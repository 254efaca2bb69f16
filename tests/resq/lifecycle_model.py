"""A plain-Python model of ResQ's incident life cycle, for the state-machine test to compare with.

It predicts, from the requests alone: which incident a signal joins (the sliding 5-minute window),
each incident's status, priority, assignee and arrival, the status of each alert by rank, and the
kinds of its timeline entries in order. Guard ranking is not modelled: which guard holds a rank is
read from the database (tests/resq/test_guard_ranking.py covers the ranking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

CREATED, ASSIGNED, RESOLVED, CANCELLED = "CREATED", "ASSIGNED", "RESOLVED", "CANCELLED"
CLOSED = (RESOLVED, CANCELLED)
SENT, ACKNOWLEDGED, DECLINED, EXPIRED = "SENT", "ACKNOWLEDGED", "DECLINED", "EXPIRED"
ALERT_CLOSED = "CLOSED"
RANK = {"Low": 0, "Medium": 1, "High": 2, "Critical": 3}
# The state diagram: where each status may go next (staying is always allowed).
NEXT_STATUSES = {
    CREATED: {CREATED, ASSIGNED, CANCELLED},
    ASSIGNED: {ASSIGNED, RESOLVED, CANCELLED},
    RESOLVED: {RESOLVED},
    CANCELLED: {CANCELLED},
}


@dataclass(frozen=True)
class Rules:
    """The settings the model follows (ResQ's defaults; the demo campus has 6 guards on duty)."""

    window: timedelta = timedelta(seconds=300)
    ack_timeout: timedelta = timedelta(seconds=60)
    guards_per_alert: int = 3
    escalation_rounds: int = 3
    guards_on_duty: int = 6


@dataclass
class ModelIncident:
    id: str
    beacon: str
    priority: str
    last_signal: datetime
    escalation_due: datetime | None
    status: str = CREATED
    assignee_rank: int | None = None
    arrived: bool = False
    round: int = 1
    alerts: list[str] = field(default_factory=list)  # alert status by rank - 1
    kinds: list[str] = field(default_factory=list)  # timeline entry kinds, in order


@dataclass
class LifecycleModel:
    rules: Rules = field(default_factory=Rules)
    incidents: dict[str, ModelIncident] = field(default_factory=dict)
    latest_at: dict[str, str] = field(default_factory=dict)  # beacon -> its newest incident

    def joinable(self, beacon: str, now: datetime) -> ModelIncident | None:
        """The incident a signal at `beacon` joins: open, its latest signal within the window."""
        incident = self.incidents.get(self.latest_at.get(beacon, ""))
        if incident is None or incident.status in CLOSED:
            return None
        return incident if now - incident.last_signal <= self.rules.window else None

    def open(self, incident_id: str, beacon: str, priority: str, now: datetime) -> None:
        count = min(self.rules.guards_per_alert, self.rules.guards_on_duty)
        self.incidents[incident_id] = ModelIncident(
            incident_id,
            beacon,
            priority,
            last_signal=now,
            escalation_due=now + self.rules.ack_timeout,
            alerts=[SENT] * count,
            kinds=["created", "guards_alerted"],
        )
        self.latest_at[beacon] = incident_id

    @staticmethod
    def join(incident: ModelIncident, priority: str, now: datetime, *, sos: bool) -> bool:
        """A signal joins; True when it raised the priority."""
        incident.last_signal = now
        raised = RANK[priority] > RANK[incident.priority]
        if raised:
            incident.priority = priority
            incident.kinds.append("priority_raised")
        if sos:
            incident.kinds.append("sos_linked")
        return raised

    @staticmethod
    def accept(incident: ModelIncident, rank: int) -> None:
        incident.status, incident.assignee_rank = ASSIGNED, rank
        incident.alerts = [ALERT_CLOSED if s == SENT else s for s in incident.alerts]
        incident.alerts[rank - 1] = ACKNOWLEDGED
        incident.kinds.append("acknowledged")

    def decline(self, incident: ModelIncident, rank: int) -> None:
        incident.alerts[rank - 1] = DECLINED
        incident.kinds.append("declined")
        if incident.status != CREATED:
            return
        if len(incident.alerts) < self.rules.guards_on_duty:
            incident.alerts.append(SENT)  # passed on at once to the next nearest guard
            incident.kinds.append("guards_alerted")
        else:
            incident.kinds.append("dispatch_needed")

    @staticmethod
    def arrive(incident: ModelIncident) -> None:
        incident.arrived = True
        incident.kinds.append("arrived")

    @staticmethod
    def close(incident: ModelIncident, status: str) -> None:
        incident.status = status
        incident.alerts = [ALERT_CLOSED if s == SENT else s for s in incident.alerts]
        incident.kinds.append("resolved" if status == RESOLVED else "cancelled")

    def run_due_escalations(self, now: datetime) -> None:
        """What the worker does when drained at `now`: each due, unanswered incident escalates
        once (its next timer starts now, so it is not due again in the same drain)."""
        for incident in self.incidents.values():
            due = incident.escalation_due
            if due is None or due > now:
                continue
            incident.escalation_due = None
            if incident.status == CREATED:
                self._escalate(incident, now)

    def _escalate(self, incident: ModelIncident, now: datetime) -> None:
        round_ = incident.round
        incident.round += 1
        incident.alerts = [EXPIRED if s == SENT else s for s in incident.alerts]
        incident.kinds.append("escalated")
        left = self.rules.guards_on_duty - len(incident.alerts)
        if round_ < self.rules.escalation_rounds and left > 0:
            incident.alerts += [SENT] * min(self.rules.guards_per_alert, left)
            incident.kinds.append("guards_alerted")
            incident.escalation_due = now + self.rules.ack_timeout
        else:
            incident.kinds.append("dispatch_needed")
