"""Where the Halo and Atlas chapters play: the services `make run` started, when they are up
(the demo's reports then show in their pages), or the demo's own Atlas and Halo as real
processes in a scratch folder, which it may stop and start without touching yours."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

import httpx

from safewatch.core.local_ports import free_port, stop_process, wait_ready
from safewatch.wiring import kept_key_path

START_SECONDS = 150.0  # a start without a shipped or trained model trains one (about a minute)


class Services:
    """An Atlas and a Halo the story can use."""

    halo_url: str
    atlas_url: str
    key: str  # Halo's Atlas key, to ask Atlas directly
    data_dir: Path
    env: dict[str, str]

    def atlas_import(self, points: Path, product: str) -> str:
        """Import a points file as the product's threats, moved forward so the newest is now."""
        command = [sys.executable, "-m", "safewatch", "atlas", "import", str(points)]
        command += ["--product", product, "--data-dir", str(self.data_dir), "--shift-to-now"]
        done = subprocess.run(
            command, env={**self.env, "COLUMNS": "200"}, capture_output=True, text=True, check=True
        )
        return done.stdout.strip().splitlines()[-1]


class RunningServices(Services):
    """The Atlas and Halo of `make run`, found by their URLs and the data dir they share."""

    def __init__(self, halo_url: str, atlas_url: str, data_dir: Path, key: str) -> None:
        self.halo_url, self.atlas_url, self.data_dir, self.key = halo_url, atlas_url, data_dir, key
        self.env = dict(os.environ)

    @classmethod
    async def find(cls, halo_url: str, atlas_url: str, data_dir: Path) -> RunningServices | None:
        """Both up (Atlas may still be loading its model), Halo wired to Atlas, and Halo's
        key kept where `serve` keeps it."""
        key = _kept_key(data_dir)
        if key is None:
            return None
        async with httpx.AsyncClient(timeout=3) as http:
            try:
                halo = (await http.get(f"{halo_url}/readyz")).json()
                atlas = (await http.get(f"{atlas_url}/readyz")).json()
            except (httpx.HTTPError, ValueError):
                return None
        wired = halo.get("details", {}).get("atlas", {}).get("state") == "configured"
        checks = atlas.get("checks", {})
        if not (wired and checks.get("database") and checks.get("migrations")):
            return None
        return cls(halo_url, atlas_url, data_dir, key)


def _kept_key(data_dir: Path) -> str | None:
    kept = kept_key_path(data_dir, "halo")
    return kept.read_text().strip() if kept.is_file() else None


class DemoStack(Services):
    """The demo's own Atlas and Halo processes, in a scratch folder removed afterwards."""

    def __init__(self, model_dir: Path | None) -> None:
        """`model_dir`: reuse the models there (the running Atlas's), when it has any."""
        self.scratch = Path(tempfile.mkdtemp(prefix="safewatch-demo-"))
        if model_dir is not None and not model_dir.is_dir():
            model_dir = None
        self.data_dir = self.scratch
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
        try:
            self.start("atlas")
            self.start("halo")
        except BaseException:
            self.__exit__(None, None, None)  # no process or folder left behind a failed start
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for name in list(self.processes):
            self.stop(name)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def start(self, service: str) -> None:
        port = str(self.ports[service])
        command = [sys.executable, "-m", "safewatch", "serve", service, f"--{service}-port", port]
        log = open(self.scratch / f"{service}.log", "ab")  # noqa: SIM115 (the process keeps it)
        self.processes[service] = subprocess.Popen(
            [*command, "--data-dir", str(self.scratch)], env=self.env, stdout=log, stderr=log
        )
        wait_ready(f"http://127.0.0.1:{port}", START_SECONDS, self.processes[service])

    def stop(self, service: str) -> None:
        stop_process(self.processes.pop(service), grace=15)
