"""Running services: several uvicorn servers and their workers in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import uvicorn

from safewatch.core.logging import get_logger
from safewatch.core.service import ServiceRuntime

SERVICES = ("resq", "atlas", "halo")
DEFAULT_PORTS = {"resq": 8000, "atlas": 8001, "halo": 8002}
# Idle keep-alive connections stay open longer than the proxy or client keeps them (Caddy as in
# deploy/Caddyfile 60 s, nginx and most load balancers 60 s), so the peer closes them first.
# With uvicorn's 5 s, a request sent just as the server closed its idle connection met a reset,
# and a POST is not retried: the load run in bench/ lost chat messages that way.
KEEP_ALIVE_SECONDS = 75
log = get_logger("safewatch.server")


def build_runtimes(
    names: Sequence[str], *, data_dir: Path, ports: dict[str, int], demo: bool = False
) -> list[ServiceRuntime]:
    """Each named service with its settings from the environment, data dir and port from flags.
    Only the named services are imported: `serve resq` does not load Atlas's ML stack."""
    return [_BUILDERS[name](data_dir, ports[name], demo) for name in names]


def _resq(data_dir: Path, port: int, demo: bool) -> ServiceRuntime:
    from safewatch.resq.app import build_resq
    from safewatch.resq.settings import ResqSettings

    return build_resq(ResqSettings(data_dir=data_dir, port=port), demo=demo)


def _atlas(data_dir: Path, port: int, demo: bool) -> ServiceRuntime:
    from safewatch.atlas.app import build_atlas
    from safewatch.atlas.settings import AtlasSettings

    return build_atlas(AtlasSettings(data_dir=data_dir, port=port))


def _halo(data_dir: Path, port: int, demo: bool) -> ServiceRuntime:
    from safewatch.halo.app import build_halo
    from safewatch.halo.settings import HaloSettings

    return build_halo(HaloSettings(data_dir=data_dir, port=port))


_BUILDERS = {"resq": _resq, "atlas": _atlas, "halo": _halo}


class _QuietServer(uvicorn.Server):
    """Signals are handled once for all servers by `serve`, not by each server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(runtimes: Sequence[ServiceRuntime], *, host: str, workers: bool = True) -> None:
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
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        _shutdown()
        await asyncio.gather(*tasks, return_exceptions=True)
        for runtime in runtimes:
            await runtime.stop()


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
