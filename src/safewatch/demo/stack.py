"""The demo's own Atlas and Halo, as real processes in a scratch folder, so the story can stop
Atlas and start it again without touching the services you are running."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from safewatch.core.local_ports import free_port, wait_ready

START_SECONDS = 150.0  # a first start without a trained model trains one (about a minute)


class DemoStack:
    def __init__(self, model_dir: Path | None) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="safewatch-demo-"))
        self.key = secrets.token_hex(16)
        self.ports = {"atlas": free_port(), "halo": free_port()}
        self.atlas_url = f"http://127.0.0.1:{self.ports['atlas']}"
        self.halo_url = f"http://127.0.0.1:{self.ports['halo']}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")},
            "API_KEY_HALO": self.key,
            "API_KEY_FRONTLINE": secrets.token_hex(16),
            "ATLAS_API_URL": self.atlas_url,
            "ATLAS_API_KEY": self.key,
            "ATLAS_COOLDOWN_SECONDS": "1",  # back to Atlas soon after it returns
            "ATLAS_MODEL_DIR": str(model_dir or self.scratch / "models"),
            "SAFEWATCH_LOG_LEVEL": "warning",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> DemoStack:
        self.start("atlas")
        self.start("halo")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for name in list(self.processes):
            self.stop(name)

    def start(self, service: str) -> None:
        port = str(self.ports[service])
        command = [sys.executable, "-m", "safewatch", "serve", service, f"--{service}-port", port]
        log = open(self.scratch / f"{service}.log", "ab")  # noqa: SIM115 (the process keeps it)
        self.processes[service] = subprocess.Popen(
            [*command, "--data-dir", str(self.scratch)], env=self.env, stdout=log, stderr=log
        )
        wait_ready(f"http://127.0.0.1:{port}", START_SECONDS, self.processes[service])

    def stop(self, service: str) -> None:
        process = self.processes.pop(service)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def atlas_import(self, points: Path, product: str) -> str:
        command = [sys.executable, "-m", "safewatch", "atlas", "import", str(points)]
        command += ["--product", product, "--data-dir", str(self.scratch)]
        done = subprocess.run(
            command, env={**self.env, "COLUMNS": "200"}, capture_output=True, text=True, check=True
        )
        return done.stdout.strip().splitlines()[-1]
