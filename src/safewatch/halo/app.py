"""Halo: public incident reporting, classified through Atlas, working when Atlas is not."""

from __future__ import annotations

from pathlib import Path

import httpx

from safewatch import __version__
from safewatch.atlas_client import AtlasClient
from safewatch.core.clock import Clock, SystemClock
from safewatch.core.db import Database
from safewatch.core.http import build_app
from safewatch.core.jobs import PURGE_JOBS, JobRetention, JobWorker
from safewatch.core.service import Page, ServiceRuntime, readiness_check
from safewatch.core.unit_of_work import UnitsOfWork
from safewatch.halo.auth.router import router as auth_router
from safewatch.halo.deps import HaloContext
from safewatch.halo.incidents.jobs import AtlasFeedbackJob, AtlasSyncJob
from safewatch.halo.incidents.router import router as incidents_router
from safewatch.halo.incidents.service import ATLAS_FEEDBACK, ATLAS_SYNC
from safewatch.halo.intelligence.router import router as intelligence_router
from safewatch.halo.kpis.router import router as kpis_router
from safewatch.halo.media.router import router as media_router
from safewatch.halo.models import jobs
from safewatch.halo.settings import HaloSettings
from safewatch.halo.web.router import mount_web

MIGRATIONS = Path(__file__).parent / "migrations"


def build_halo(
    settings: HaloSettings,
    *,
    clock: Clock | None = None,
    atlas_transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceRuntime:
    """`atlas_transport` lets tests put Atlas in process (httpx.ASGITransport)."""
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url())
    # One client per process: its cooldown sees every request's and every job's calls.
    atlas = AtlasClient(settings=settings.atlas, transport=atlas_transport, clock=clock)
    units = UnitsOfWork(db, clock, jobs)
    retention = JobRetention(db, jobs, clock, days=settings.job_retention_days)
    worker = JobWorker(
        "halo",
        db,
        jobs,
        {
            ATLAS_SYNC: AtlasSyncJob(units, atlas, settings),
            ATLAS_FEEDBACK: AtlasFeedbackJob(units.db, atlas),
            PURGE_JOBS: retention,
        },
        clock,
        concurrency=settings.worker_concurrency,
        poll_seconds=settings.worker_poll_seconds,
    )
    units.wake = worker.wake  # a report's sync job starts as soon as it commits
    context = HaloContext.build(settings, units, atlas)
    app = build_app(
        service="halo",
        title="Halo",
        description=(
            "Public incident reporting, classified through Atlas, working when it is not. "
            "Reporting is open to anyone; sign in (POST /api/auth/token/) to follow your own "
            "reports; validators confirm or correct categories."
        ),
        version=__version__,
        max_body_bytes=settings.max_body_bytes,
        max_file_bytes=settings.max_media_bytes,
        readiness=readiness_check(db, MIGRATIONS),
        show_docs=not settings.is_production,
        details=lambda: {"atlas": context.atlas_link.details()},
    )
    app.state.halo = context
    for router in (auth_router, incidents_router, media_router, intelligence_router, kpis_router):
        app.include_router(router)
    mount_web(app)
    runtime = ServiceRuntime(
        name="halo",
        app=app,
        db=db,
        worker=worker,
        migrations=MIGRATIONS,
        port=settings.port,
        pages=[Page("/", "anyone: report an incident, see patterns and advice nearby")],
    )

    async def _open_client() -> None:
        await atlas.__aenter__()

    runtime.on_start.extend((_open_client, retention.schedule, context.atlas_link.warn_at_start))
    runtime.on_stop.append(atlas.aclose)
    return runtime
