"""The push job: deliver one alert to every device of its guard, recording each attempt.

Idempotent per (alert, reason, device): devices already delivered to are skipped on retry, and
an alert no longer open (answered, or passed on by escalation) is not pushed any more. A guard
whose phones are all gone or refused, with nothing left to retry, is passed over at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.jobs import Job, PermanentJobError, RetryLater
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitsOfWork
from safewatch.resq.alerts.transitions import OPEN_ALERT_STATUSES
from safewatch.resq.models import (
    Beacon,
    Guard,
    GuardAlert,
    Incident,
    NotificationAttempt,
    PushToken,
    User,
)
from safewatch.resq.notify.base import Notifier, PushMessage, PushResult

log = get_logger(__name__)


# Passes an unreachable guard's alert on (alert id, why): dispatch's hand-over, injected.
PassOver = Callable[[int, str], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    token_id: int | None
    token: str | None


@dataclass(frozen=True)
class Plan:
    message: PushMessage
    targets: list[Target]
    reached: bool  # an earlier attempt already delivered this alert to one of the devices


def alert_message(
    alert: GuardAlert, incident: Incident, beacon: Beacon, reason: str, guard: str
) -> PushMessage:
    escalated = reason.startswith("escalated")
    headline = "Escalated" if escalated else incident.priority
    return PushMessage(
        title=f"{headline}: {beacon.location_name}",
        body=f"{incident.priority} incident at {beacon.location_name} "
        f"({beacon.building}, floor {beacon.floor}). You are #{alert.priority_rank} nearest.",
        data={
            "type": "alert",
            "reason": reason,
            "alert_id": str(alert.id),
            "incident_id": str(incident.id),
            "priority": incident.priority,
            "beacon_id": beacon.beacon_id,
        },
        collapse_key=f"incident-{incident.id}",
        recipient=guard,
    )


class PushAlertJob:
    def __init__(
        self,
        units: UnitsOfWork,
        notifier: Notifier,
        *,
        pass_over: PassOver,
    ) -> None:
        self.units = units
        self.notifier = notifier
        self.pass_over = pass_over  # dispatch's: alert the next guard in this one's place

    async def __call__(self, job: Job) -> None:
        alert_id, reason = int(job.payload["alert_id"]), str(job.payload["reason"])
        plan = await self._plan(alert_id, reason)
        if plan is None:
            return  # every device has it already, or the alert is no longer open
        if plan.targets:
            results = [
                (target, await self.notifier.send(target.token, plan.message))
                for target in plan.targets
            ]
        else:
            missing = PushResult("failed", detail="guard has no registered device")
            results = [(Target(None, None), missing)]
        await self._record(alert_id, reason, results)
        self._log_results(plan.message, results)
        retry = [r for _, r in results if r.outcome == "retry"]
        if retry:
            waits = [r.retry_after for r in retry if r.retry_after is not None]
            raise RetryLater("; ".join(r.detail for r in retry), max(waits) if waits else None)
        if plan.reached or any(r.outcome == "delivered" for _, r in results):
            return
        why = "; ".join(r.detail for _, r in results)
        # A guard with no phone at all may be on the web console (alerts reach it over /ws):
        # only a guard whose phones are all gone or refused is passed over at once.
        if reason == "alert" and plan.targets:
            await self.pass_over(alert_id, f"no phone of the guard took the alert: {why}")
        if plan.targets and all(r.outcome == "failed" for _, r in results):
            raise PermanentJobError(why)  # refused, not gone: an operator should look

    async def _plan(self, alert_id: int, reason: str) -> Plan | None:
        async with self.units.begin() as uow:
            session = uow.session
            row = (
                await session.execute(
                    select(GuardAlert, Incident, Beacon, User.username)
                    .join(Incident, Incident.id == GuardAlert.incident_id)
                    .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
                    .join(Guard, Guard.id == GuardAlert.guard_id)
                    .join(User, User.id == Guard.user_id)
                    .where(GuardAlert.id == alert_id)
                )
            ).one_or_none()
            if row is None:
                raise PermanentJobError(f"alert {alert_id} no longer exists")
            alert, incident, beacon, username = row
            if alert.status not in OPEN_ALERT_STATUSES:
                return None  # a retry after escalation passed it on would only mislead
            message = alert_message(alert, incident, beacon, reason, guard=username)
            done = await self._delivered_tokens(session, alert_id, reason)
            if not self.notifier.needs_device:
                return None if None in done else Plan(message, [Target(None, None)], False)
            tokens = (
                await session.execute(
                    select(PushToken.id, PushToken.token).where(
                        PushToken.guard_id == alert.guard_id
                    )
                )
            ).all()
            pending = [
                Target(token_id, token) for token_id, token in tokens if token_id not in done
            ]
            if tokens and not pending:
                return None
            return Plan(message, pending, bool(done))

    def _log_results(self, message: PushMessage, results: list[tuple[Target, PushResult]]) -> None:
        """One line per device try, naming the guard and never the device token."""
        for target, result in results:
            log.info(
                "push_attempt",
                guard=message.recipient,
                alert_id=message.data["alert_id"],
                incident_id=message.data["incident_id"],
                reason=message.data["reason"],
                channel=self.notifier.channel,
                device=target.token_id,
                outcome=result.outcome,
                status_code=result.status_code,
                detail=result.detail,
            )

    @staticmethod
    async def _delivered_tokens(
        session: AsyncSession, alert_id: int, reason: str
    ) -> set[int | None]:
        rows = await session.execute(
            select(NotificationAttempt.token_id).where(
                NotificationAttempt.alert_id == alert_id,
                NotificationAttempt.reason == reason,
                NotificationAttempt.outcome == "delivered",
            )
        )
        return set(rows.scalars().all())

    async def _record(
        self, alert_id: int, reason: str, results: list[tuple[Target, PushResult]]
    ) -> None:
        async with self.units.begin() as uow:
            for target, result in results:
                uow.session.add(
                    NotificationAttempt(
                        alert_id=alert_id,
                        reason=reason,
                        channel=self.notifier.channel,
                        token_id=target.token_id,
                        outcome=result.outcome,
                        status_code=result.status_code,
                        detail=result.detail[:500],
                        created_at=uow.now,
                    )
                )
                if result.outcome == "unregistered" and target.token_id is not None:
                    await uow.session.execute(
                        delete(PushToken).where(PushToken.id == target.token_id)
                    )
