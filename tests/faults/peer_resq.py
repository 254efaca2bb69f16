"""A real ResQ process pushing through FCM HTTP v1 to a loopback fake, and what its database
says afterwards (alerts, push attempts, timeline, jobs), for the push storm test."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from safewatch.core.db import Database
from safewatch.core.jobs import PURGE_JOBS
from safewatch.core.testing.servers import serve_process
from safewatch.resq.models import (
    Guard,
    GuardAlert,
    IncidentEvent,
    NotificationAttempt,
    PushToken,
    User,
    jobs,
)
from tests.resq.fake_fcm import service_account_info

PROJECT = "safewatch-storm"
DEMO_PASSWORD = "storm-demo-password"


def service_account_file(directory: Path, token_uri: str) -> Path:
    """The key file of `service_account_info`, private to its owner."""
    info = service_account_info(
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        project=PROJECT,
        key_id="storm-key-1",
        email=f"resq-push@{PROJECT}.iam.gserviceaccount.com",
        token_uri=token_uri,
    )
    path = directory / "fcm-service-account.json"
    path.write_text(json.dumps(info))
    path.chmod(0o600)
    return path


@contextmanager
def resq_with_fcm(
    database_url: str, data_dir: Path, fcm_url: str, **settings: str
) -> Iterator[str]:
    """`safewatch serve resq --demo` with RESQ_NOTIFIER=fcm aimed at `fcm_url`; its base URL."""
    env = {
        "RESQ_DATABASE_URL": database_url,
        "SAFEWATCH_DEMO_PASSWORD": DEMO_PASSWORD,
        "RESQ_AI_RATE_LIMIT": "100000/minute",
        "RESQ_NOTIFIER": "fcm",
        "RESQ_FCM_PROJECT_ID": PROJECT,
        "RESQ_FCM_CREDENTIALS_FILE": str(service_account_file(data_dir, f"{fcm_url}/token")),
        "RESQ_FCM_ENDPOINT": fcm_url,
        **settings,
    }
    with serve_process("resq", data_dir=data_dir, env=env, extra_args=("--demo",)) as base:
        yield base


@dataclass
class Record:
    """The storm as ResQ recorded it."""

    alerts: list[Any]
    guard_of: dict[int, str]  # guard id -> username
    attempts: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    events: dict[Any, list[Any]] = field(default_factory=lambda: defaultdict(list))
    jobs: list[Any] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def delivered_at(self, alert_id: int) -> Any:
        """When a push of this alert first reached one of its guard's devices."""
        times = [a.created_at for a in self.attempts[alert_id] if a.outcome == "delivered"]
        return min(times, default=None)

    def events_of(self, kind: str) -> list[Any]:
        return [e for events in self.events.values() for e in events if e.kind == kind]


async def read_record(database_url: str) -> Record:
    db = Database(database_url)
    try:
        async with db.sessions() as session:
            guard_rows = await session.execute(
                select(Guard.id, User.username).join(User, User.id == Guard.user_id)
            )
            record = Record(
                alerts=list((await session.execute(select(GuardAlert))).scalars()),
                guard_of={guard_id: username for guard_id, username in guard_rows.all()},
            )
            for attempt in (await session.execute(select(NotificationAttempt))).scalars():
                record.attempts[attempt.alert_id].append(attempt)
            ordered = select(IncidentEvent).order_by(IncidentEvent.id)
            for event in (await session.execute(ordered)).scalars():
                record.events[event.incident_id].append(event)
            # The storm's jobs: the hourly purge is always queued, and is none of them.
            storm = select(jobs).where(jobs.c.kind != PURGE_JOBS)
            record.jobs = list((await session.execute(storm)).all())
            record.tokens = set((await session.execute(select(PushToken.token))).scalars())
    finally:
        await db.dispose()
    return record
