"""Atlas Intelligence: the shared AI backbone (classification, media, patterns, feedback)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from safewatch import __version__
from safewatch.atlas.classify.engine import ThreatEngine
from safewatch.atlas.classify.router import router as classify_router
from safewatch.atlas.console.router import mount_console
from safewatch.atlas.deps import AtlasContext
from safewatch.atlas.media.router import router as media_router
from safewatch.atlas.media.service import MediaRuntime
from safewatch.atlas.models import jobs
from safewatch.atlas.patterns.jobs import PATTERNS, PatternsJob, schedule_patterns
from safewatch.atlas.patterns.router import router as patterns_router
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training.jobs import RetrainJob, schedule_retrain
from safewatch.atlas.training.keeper import ModelKeeper
from safewatch.atlas.training.router import router as training_router
from safewatch.atlas.training.service import RETRAIN
from safewatch.core.clock import Clock, SystemClock
from safewatch.core.db import Database
from safewatch.core.http import build_app
from safewatch.core.jobs import PURGE_JOBS, JobRetention, JobWorker
from safewatch.core.logging import get_logger
from safewatch.core.service import Page, ServiceRuntime, readiness_check
from safewatch.core.unit_of_work import UnitsOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
# A retrain runs for minutes on the full data; the lease must outlast it.
TRAINING_LEASE_SECONDS = 3600.0
log = get_logger(__name__)


def build_atlas(settings: AtlasSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url())
    units = UnitsOfWork(db, clock, jobs)
    engine = ThreatEngine()
    keeper = ModelKeeper(settings, db, engine, clock)
    retention = JobRetention(db, jobs, clock, days=settings.job_retention_days)
    worker = JobWorker(
        "atlas",
        db,
        jobs,
        {
            RETRAIN: RetrainJob(units, keeper, settings),
            PATTERNS: PatternsJob(units, settings.patterns_interval_minutes),
            PURGE_JOBS: retention,
        },
        clock,
        concurrency=settings.worker_concurrency,
        poll_seconds=settings.worker_poll_seconds,
        lease_seconds=TRAINING_LEASE_SECONDS,
    )
    units.wake = worker.wake  # a retrain or pattern run queued by a request starts at once
    app = build_app(
        service="atlas",
        title="Atlas Intelligence",
        description=(
            "The shared AI backbone: threat classification, media, patterns, feedback. Every "
            "call sends `X-API-Key` and `X-Product` (halo, frontline, sait or resq)."
        ),
        version=__version__,
        max_body_bytes=settings.max_body_bytes,
        max_file_bytes=settings.media.max_bytes,
        readiness=_ready_with_model(readiness_check(db, MIGRATIONS), engine),
        show_docs=not settings.is_production,
    )
    app.state.atlas = AtlasContext.build(settings, units, engine)
    app.include_router(classify_router)
    app.include_router(training_router)
    app.include_router(patterns_router)
    app.state.media = MediaRuntime.build(settings.media)
    app.include_router(media_router)
    mount_console(app)
    runtime = ServiceRuntime(
        name="atlas",
        app=app,
        db=db,
        worker=worker,
        migrations=MIGRATIONS,
        port=settings.port,
        pages=[Page("/", "operators, with a product key: models, feedback, media, try a text")],
    )

    async def _schedule() -> None:
        async with units.begin() as uow:
            await schedule_retrain(uow, settings)
            await schedule_patterns(uow, settings.patterns_interval_minutes)

    runtime.on_start.extend((keeper.start, _schedule, retention.schedule))
    runtime.on_stop.append(keeper.stop)
    if not settings.product_keys():
        runtime.on_start.append(_warn_no_keys)
    return runtime


def _ready_with_model(
    check: Callable[[], Awaitable[dict[str, bool]]], engine: ThreatEngine
) -> Callable[[], Awaitable[dict[str, bool]]]:
    """Ready once the trained model answers; until then the keyword classifier does."""

    async def ready() -> dict[str, bool]:
        return await check() | {"model": engine.ready}

    return ready


async def _warn_no_keys() -> None:
    log.warning(
        "atlas_no_env_keys",
        hint="No API_KEY_<PRODUCT> set: products outside this process need a key from "
        "`safewatch atlas keys create` (serve makes its own for the Halo and ResQ beside it)",
    )
