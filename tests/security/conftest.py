"""Security tests reuse each service's own fixtures (users, keys, fakes), and can put an app on
a real loopback socket inside the test's event loop (real HTTP framing: chunked bodies, /ws)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn

from safewatch.core.testing.servers import free_port
from tests.atlas.conftest import atlas, atlas_settings, clock
from tests.halo.conftest import fake, make_halo
from tests.resq.conftest import notifier, resq, resq_settings, signed_in

__all__ = [
    "atlas",
    "atlas_settings",
    "clock",
    "fake",
    "make_halo",
    "notifier",
    "resq",
    "resq_settings",
    "signed_in",
]


class _InLoopServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # pytest owns the signals


@contextlib.asynccontextmanager
async def on_loopback(app: Any) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 from this event loop (so its database and clock are the
    test's); yield its base URL, e.g. http://127.0.0.1:43121."""
    port = free_port()
    config = uvicorn.Config(
        app, port=port, log_config=None, access_log=False, lifespan="off", ws="websockets-sansio"
    )
    server = _InLoopServer(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # uvicorn offers a flag, not an event
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
