"""Halo: public incident reporting, classified through Atlas, working when Atlas is not."""

from __future__ import annotations

from pathlib import Path

from safewatch import __version__
from safewatch.core.clock import Clock, SystemClock
from safewatch.core.db import Database
from safewatch.core.http import build_app
from safewatch.core.jobs import JobWorker
from safewatch.core.service import ServiceRuntime, readiness_check
from safewatch.halo.models import jobs
from safewatch.halo.settings import HaloSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_halo(settings: HaloSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url())
    worker = JobWorker(
        "halo",
        db,
        jobs,
        {},
        clock,
        concurrency=settings.worker_concurrency,
        poll_seconds=settings.worker_poll_seconds,
    )
    app = build_app(
        service="halo",
        title="Halo",
        description="Public incident reporting, classified through Atlas, working when it is not.",
        version=__version__,
        max_body_bytes=settings.max_body_bytes,
        readiness=readiness_check(db, MIGRATIONS),
        show_docs=not settings.is_production,
    )
    return ServiceRuntime(
        name="halo", app=app, db=db, worker=worker, migrations=MIGRATIONS, port=settings.port
    )
