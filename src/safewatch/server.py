"""Running services: several uvicorn servers and their workers in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from safewatch.core.logging import get_logger
from safewatch.core.service import ServiceRuntime
from safewatch.wiring import LocalAtlas, local_atlas, register_local_keys

SERVICES = ("resq", "atlas", "halo")
DEFAULT_PORTS = {"resq": 8000, "atlas": 8001, "halo": 8002}
# Idle keep-alive connections stay open longer than the proxy or client keeps them (Caddy as in
# deploy/Caddyfile 60 s, nginx and most load balancers 60 s), so the peer closes them first.
# With uvicorn's 5 s, a request sent just as the server closed its idle connection met a reset,
# and a POST is not retried: the load run in bench/ lost chat messages that way.
KEEP_ALIVE_SECONDS = 75
log = get_logger("safewatch.server")


def build_runtimes(
    names: Sequence[str],
    *,
    data_dir: Path,
    ports: dict[str, int],
    demo: bool = False,
    host: str = "127.0.0.1",
    wire: bool = False,
) -> list[ServiceRuntime]:
    """Each named service with its settings from the environment, data dir and port from flags.
    Only the named services are imported: `serve resq` does not load Atlas's ML stack. With
    `wire` and Atlas among them, Halo and ResQ are wired to it (`wiring.py`)."""
    local = local_atlas(list(names), data_dir, host, ports.get("atlas", 0)) if wire else None
    runtimes = [_BUILDERS[name](data_dir, ports[name], demo, local) for name in names]
    if local is not None and local.wired:
        atlas = next(r for r in runtimes if r.name == "atlas")
        atlas.on_start.insert(0, lambda: register_local_keys(atlas.db, local))
    return runtimes


def _resq(data_dir: Path, port: int, demo: bool, local: LocalAtlas | None) -> ServiceRuntime:
    from safewatch.resq.app import build_resq
    from safewatch.resq.settings import ResqSettings

    settings = ResqSettings(data_dir=data_dir, port=port)
    if local is not None and not settings.model_fields_set & {"atlas_api_url", "atlas_api_key"}:
        wired = {"atlas_api_url": local.url, "atlas_api_key": SecretStr(local.wire("resq"))}
        settings = settings.model_copy(update=wired)
    runtime = build_resq(settings, demo=demo)
    if settings.reports_to_atlas:
        runtime.notes.append(f"Reports each new incident to Atlas at {settings.atlas_api_url}")
    return runtime


def _atlas(data_dir: Path, port: int, demo: bool, local: LocalAtlas | None) -> ServiceRuntime:
    from safewatch.atlas.app import build_atlas
    from safewatch.atlas.settings import AtlasSettings

    return build_atlas(AtlasSettings(data_dir=data_dir, port=port))


def _halo(data_dir: Path, port: int, demo: bool, local: LocalAtlas | None) -> ServiceRuntime:
    from safewatch.atlas_client import AtlasClientSettings
    from safewatch.halo.app import build_halo
    from safewatch.halo.settings import HaloSettings

    atlas = AtlasClientSettings()
    if local is not None and not atlas.model_fields_set & {"api_url", "api_key"}:
        atlas = AtlasClientSettings(api_url=local.url, api_key=local.wire("halo"))
    runtime = build_halo(HaloSettings(data_dir=data_dir, port=port, atlas=atlas))
    runtime.notes.append(
        f"Classifies reports through Atlas at {atlas.api_url}"
        if atlas.api_key is not None
        else "NOT connected to Atlas (ATLAS_API_KEY is unset): reports use the keyword fallback"
    )
    return runtime


_BUILDERS = {"resq": _resq, "atlas": _atlas, "halo": _halo}


class _QuietServer(uvicorn.Server):
    """Signals are handled once for all servers by `serve`, not by each server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(
    runtimes: Sequence[ServiceRuntime],
    *,
    host: str,
    workers: bool = True,
    on_listening: Callable[[], None] | None = None,
) -> None:
    for runtime in runtimes:
        await runtime.start()
    stop = asyncio.Event()
    servers = [
        _QuietServer(
            uvicorn.Config(
                runtime.app,
                host=host,
                port=runtime.port,
                log_config=None,
                access_log=False,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
                lifespan="off",
                ws="websockets-sansio",
            )
        )
        for runtime in runtimes
    ]
    loop = asyncio.get_running_loop()

    def _shutdown() -> None:
        stop.set()
        for server in servers:
            server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, _shutdown)
    tasks = [runtime.run_worker(stop) for runtime in runtimes] if workers else []
    for runtime in runtimes:
        log.info(
            "service_listening",
            service=runtime.name,
            url=f"http://{host}:{runtime.port}",
            docs=f"http://{host}:{runtime.port}/docs",
        )
    if on_listening is not None:
        tasks.append(asyncio.create_task(_when_listening(servers, on_listening)))
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        _shutdown()
        await asyncio.gather(*tasks, return_exceptions=True)
        for runtime in runtimes:
            await runtime.stop()


async def _when_listening(servers: Sequence[uvicorn.Server], then: Callable[[], None]) -> None:
    while not all(server.started for server in servers):
        if any(server.should_exit for server in servers):
            return
        await asyncio.sleep(0.05)
    then()


async def run_workers(runtimes: Sequence[ServiceRuntime]) -> None:
    """Only the job workers (scale-out: `safewatch worker`)."""
    for runtime in runtimes:
        # The start hooks open what the jobs use (Atlas clients, Atlas's model keeper).
        await runtime.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await asyncio.gather(*(runtime.run_worker(stop) for runtime in runtimes))
    finally:
        for runtime in runtimes:
            await runtime.stop()
