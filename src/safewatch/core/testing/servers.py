"""Real servers for tests: `safewatch serve` in a subprocess, or an ASGI fake on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from safewatch.core.local_ports import free_port, stop_process, wait_ready

__all__ = ["free_port", "running_server", "serve_asgi_in_thread", "serve_process", "wait_ready"]


@contextlib.contextmanager
def running_server(
    command: list[str],
    *,
    port: int,
    env: dict[str, str],
    log_path: Path,
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server command listening on `port`, wait for /readyz, stop it afterwards."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}", timeout=timeout, process=process)
            yield process
        finally:
            stop_process(process)


@contextlib.contextmanager
def serve_process(
    service: str, *, data_dir: Path, env: dict[str, str], extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run `safewatch serve SERVICE` as its own process; yield its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "safewatch",
        "serve",
        service,
        f"--{service}-port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
        *extra_args,
    ]
    with running_server(
        command, port=port, env={**os.environ, **env}, log_path=data_dir / f"{service}-{port}.log"
    ):
        yield f"http://127.0.0.1:{port}"


class _ThreadServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def serve_asgi_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app (a fake peer) on loopback from a thread: real sockets, real timeouts."""
    port = free_port()
    server = _ThreadServer(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("fake server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
