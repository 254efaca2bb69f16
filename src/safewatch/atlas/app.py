"""Atlas Intelligence: the shared AI backbone (classification, media, patterns, feedback)."""

from __future__ import annotations

from pathlib import Path

from safewatch import __version__
from safewatch.atlas.models import jobs
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import Clock, SystemClock
from safewatch.core.db import Database
from safewatch.core.http import build_app
from safewatch.core.jobs import JobWorker
from safewatch.core.service import ServiceRuntime, readiness_check

MIGRATIONS = Path(__file__).parent / "migrations"


def build_atlas(settings: AtlasSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url())
    worker = JobWorker(
        "atlas",
        db,
        jobs,
        {},
        clock,
        concurrency=settings.worker_concurrency,
        poll_seconds=settings.worker_poll_seconds,
    )
    app = build_app(
        service="atlas",
        title="Atlas Intelligence",
        description="The shared AI backbone: threat classification, media, patterns, feedback.",
        version=__version__,
        max_body_bytes=settings.max_body_bytes,
        readiness=readiness_check(db, MIGRATIONS),
        show_docs=not settings.is_production,
    )
    return ServiceRuntime(
        name="atlas", app=app, db=db, worker=worker, migrations=MIGRATIONS, port=settings.port
    )
