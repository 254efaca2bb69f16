"""ResQ, campus dispatch: detections in, incidents opened, the nearest guards alerted."""

from __future__ import annotations

from pathlib import Path

import httpx

from safewatch import __version__
from safewatch.atlas_client import AtlasClient, AtlasClientSettings
from safewatch.core.clock import Clock, SystemClock
from safewatch.core.db import Database
from safewatch.core.http import build_app
from safewatch.core.jobs import PURGE_JOBS, JobRetention, JobWorker
from safewatch.core.jobs.worker import Handler
from safewatch.core.logging import get_logger
from safewatch.core.service import Page, ServiceRuntime, readiness_check
from safewatch.core.unit_of_work import UnitsOfWork
from safewatch.resq.alerts.router import router as alerts_router
from safewatch.resq.alerts.service import PUSH_ALERT
from safewatch.resq.auth.router import router as auth_router
from safewatch.resq.auth.service import (
    DEMO_PASSWORD_FILE,
    demo_password,
    password_from_env,
    set_passwords,
)
from safewatch.resq.beacons.router import router as beacons_router
from safewatch.resq.chat.router import router as chat_router
from safewatch.resq.console.router import mount_console
from safewatch.resq.demo import DEMO_USERNAMES, demo_roster, seed_demo_campus
from safewatch.resq.deps import ResqContext
from safewatch.resq.detections.router import legacy_router
from safewatch.resq.detections.router import router as detections_router
from safewatch.resq.dispatch.escalation import ESCALATE, EscalateJob
from safewatch.resq.dispatch.handover import pass_over_in_own_transaction
from safewatch.resq.guards.router import router as guards_router
from safewatch.resq.incidents.router import router as incidents_router
from safewatch.resq.intelligence.reports import REPORT_TO_ATLAS, ReportToAtlasJob
from safewatch.resq.models import jobs
from safewatch.resq.notify.base import LogNotifier, Notifier
from safewatch.resq.notify.fcm import FcmNotifier
from safewatch.resq.notify.jobs import PushAlertJob
from safewatch.resq.realtime.bus import build_event_bus
from safewatch.resq.realtime.hub import Hub
from safewatch.resq.realtime.router import router as realtime_router
from safewatch.resq.settings import ResqSettings
from safewatch.resq.sos.router import router as sos_router

MIGRATIONS = Path(__file__).parent / "migrations"
PAGES = [
    Page("/console/", "dispatcher: incidents, map, guards, chat"),
    Page("/console/guard", "guards: alerts, accept, chat, arrive, resolve"),
    Page("/console/student", "students: SOS and chat"),
]
log = get_logger(__name__)


def build_notifier(settings: ResqSettings) -> Notifier:
    if settings.notifier == "fcm":
        if not (settings.fcm_project_id and settings.fcm_credentials_file):
            raise ValueError(
                "RESQ_NOTIFIER=fcm needs RESQ_FCM_PROJECT_ID and "
                "RESQ_FCM_CREDENTIALS_FILE (a service-account JSON file)"
            )
        return FcmNotifier.from_file(
            settings.fcm_credentials_file,
            project_id=settings.fcm_project_id,
            endpoint=settings.fcm_endpoint,
            timeout=settings.fcm_timeout_seconds,
        )
    return LogNotifier()


def build_atlas_client(
    settings: ResqSettings, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
) -> AtlasClient | None:
    if not settings.reports_to_atlas:
        return None
    client_settings = AtlasClientSettings(
        api_url=settings.atlas_api_url, api_key=settings.atlas_api_key, product="resq"
    )
    return AtlasClient(settings=client_settings, transport=transport, clock=clock)


def build_resq(
    settings: ResqSettings,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    demo: bool = False,
    atlas_transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceRuntime:
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url())
    notifier = notifier or build_notifier(settings)
    # Real time: services queue events on their unit of work; the hub hands them to /ws.
    bus = build_event_bus(settings.redis_url, settings.realtime_channel)
    units = UnitsOfWork(db, clock, jobs, bus=bus)
    context = ResqContext.build(settings, units)
    retention = JobRetention(db, jobs, clock, days=settings.job_retention_days)
    pass_over = pass_over_in_own_transaction(units, context.campus, settings.floor_penalty_m)
    handlers: dict[str, Handler] = {
        PURGE_JOBS: retention,
        PUSH_ALERT: PushAlertJob(units, notifier, pass_over=pass_over),
        ESCALATE: EscalateJob(units, context.campus, settings),
    }
    atlas = build_atlas_client(settings, clock, atlas_transport)
    if atlas is not None:
        handlers[REPORT_TO_ATLAS] = ReportToAtlasJob(db, atlas)
    worker = JobWorker(
        "resq",
        db,
        jobs,
        handlers,
        clock,
        concurrency=settings.worker_concurrency,
        poll_seconds=settings.worker_poll_seconds,
    )
    units.wake = worker.wake  # a committed unit that queued a job starts it at once
    app = build_app(
        service="resq",
        title="ResQ campus dispatch",
        description="AI detections and SOS open incidents; the nearest on-duty guards are alerted.",
        version=__version__,
        max_body_bytes=settings.max_body_bytes,
        readiness=readiness_check(db, MIGRATIONS),
        show_docs=not settings.is_production,
    )
    app.state.resq = context
    for router in (
        auth_router,
        sos_router,
        chat_router,
        beacons_router,
        detections_router,
        legacy_router,
        guards_router,
        alerts_router,
        incidents_router,
    ):
        app.include_router(router)
    runtime = ServiceRuntime(
        name="resq",
        app=app,
        db=db,
        worker=worker,
        migrations=MIGRATIONS,
        port=settings.port,
        pages=PAGES,
    )
    app.state.realtime = Hub(bus)
    app.include_router(realtime_router)
    mount_console(app)
    runtime.on_start.extend((bus.start, retention.schedule))
    runtime.on_stop.extend((app.state.realtime.close, bus.stop))
    runtime.on_stop.append(notifier.close)
    if atlas is not None:

        async def _open_atlas() -> None:
            await atlas.__aenter__()

        runtime.on_start.append(_open_atlas)
        runtime.on_stop.append(atlas.aclose)
    if settings.ai_token is None:
        runtime.on_start.append(_warn_open_ai_endpoints)
    if demo:
        _load_demo(runtime, settings, clock)
    return runtime


def _load_demo(runtime: ServiceRuntime, settings: ResqSettings, clock: Clock) -> None:
    """The demo campus and users at start; their sign-ins go to the start-up block, never to
    the log."""
    password = demo_password(settings)
    kept = settings.data_dir / DEMO_PASSWORD_FILE
    where = "from SAFEWATCH_DEMO_PASSWORD" if password_from_env() else f"kept in {kept}"
    runtime.notes.extend((demo_roster(), f"Their password: {password}  ({where})"))
    runtime.secrets.append(password)

    async def _seed() -> None:
        async with runtime.db.transaction() as session:
            await seed_demo_campus(session, clock.now())
            await set_passwords(session, DEMO_USERNAMES, password)
        log.info("demo_campus_loaded", users=len(DEMO_USERNAMES))

    runtime.on_start.append(_seed)


async def _warn_open_ai_endpoints() -> None:
    log.warning(
        "ai_endpoints_open",
        hint="RESQ_AI_TOKEN is not set: anyone who can reach ResQ can post detections",
    )
