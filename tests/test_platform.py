"""The platform as a newcomer meets it: `safewatch serve --demo`, health, docs, metrics, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from safewatch.cli import app as cli
from safewatch.core.testing.servers import free_port, wait_ready

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """All three services in one process, as `make run` starts them (fresh SQLite files)."""
    data_dir = tmp_path_factory.mktemp("platform")
    ports = {name: free_port() for name in ("resq", "atlas", "halo")}
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["API_KEY_HALO"] = HALO_KEY
    command = [
        sys.executable,
        "-m",
        "safewatch",
        "serve",
        "--demo",
        "--data-dir",
        str(data_dir),
        *(arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))),
    ]
    with open(data_dir / "serve.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        try:
            wait_ready(urls["resq"], process=process)
            wait_ready(urls["halo"], process=process)
            urls["atlas_first_answer"], urls["atlas_ready_first"] = classify_while_training(
                urls["atlas"]
            )
            # A fresh install serves the base model shipped with the package (seconds).
            wait_ready(urls["atlas"], timeout=300, process=process)
            yield urls
        finally:
            process.terminate()
            assert process.wait(timeout=15) == 0, "serve did not shut down cleanly on SIGTERM"
    assert {"sqlite", "resq.db", "atlas.db", "halo.db"} - {"sqlite"} <= {
        p.name for p in Path(data_dir).iterdir()
    }


HALO_KEY = "platform-test-halo-key"


def classify_while_training(atlas: str) -> tuple[str, str]:
    """Atlas answers as soon as it listens: with its keyword classifier until the shipped model
    is installed (a second or two), then with that model."""
    deadline = time.monotonic() + 30
    while True:
        try:
            ready = httpx.get(f"{atlas}/readyz", timeout=2)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "Atlas did not start listening"
            time.sleep(0.1)
    assert ready.json()["checks"]["model"] is (ready.status_code == 200)
    answer = httpx.post(
        f"{atlas}/api/v1/classify/threat",
        json={"type": "text", "data": "Brand i flerbostadshus"},
        headers={"X-API-Key": HALO_KEY, "X-Product": "halo"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.text, str(ready.json()["checks"]["model"])


@pytest.mark.timeout(400)
def test_a_fresh_atlas_answers_at_once_then_with_its_shipped_model(
    platform: dict[str, str],
) -> None:
    """The first answer came from the keywords (tests/atlas/test_engine.py) or, once readiness
    said so, from the very model Atlas then serves; right either way."""
    first = json.loads(platform["atlas_first_answer"])
    assert first["classification"]["threat_category"] == "fire"
    later = httpx.post(
        f"{platform['atlas']}/api/v1/classify/threat",
        json={"type": "text", "data": "Brand i flerbostadshus"},
        headers={"X-API-Key": HALO_KEY, "X-Product": "halo"},
    ).json()
    assert later["model_version"].startswith("base-")
    assert later["classification"]["threat_category"] == "fire"
    assert first["model_version"] in {"fallback", later["model_version"]}
    if platform["atlas_ready_first"] == "True":
        assert first["model_version"] == later["model_version"]


@pytest.mark.parametrize("service", ["resq", "atlas", "halo"])
def test_every_service_has_health_readiness_metrics_and_docs(
    platform: dict[str, str], service: str
) -> None:
    base = platform[service]
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "service": service}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200
    expected = {"database": True, "migrations": True} | (
        {"model": True} if service == "atlas" else {}
    )
    assert ready.json()["checks"] == expected
    assert "safewatch_http_requests_total" in httpx.get(f"{base}/metrics").text
    assert httpx.get(f"{base}/docs").status_code == 200
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"]


def test_the_readme_walkthrough(platform: dict[str, str]) -> None:
    """The seed's three curl commands against a fresh `safewatch serve --demo`."""
    resq = platform["resq"]
    violence = httpx.post(
        f"{resq}/api/ai/violence-detected/",
        json={
            "beacon_id": "safe:uuid:403:403",
            "confidence_score": 0.92,
            "description": "Fight detected",
        },
    )
    scream = httpx.post(
        f"{resq}/api/ai/scream-detected/",
        json={
            "beacon_id": "safe:uuid:402:402",
            "confidence_score": 0.88,
            "description": "Screaming detected",
        },
    )
    low = httpx.post(
        f"{resq}/api/ai/violence-detected/",
        json={
            "beacon_id": "safe:uuid:403:403",
            "confidence_score": 0.65,
            "description": "Possible fight",
        },
    )
    assert (violence.status_code, violence.json()["status"]) == (201, "incident_created")
    assert (scream.status_code, scream.json()["status"]) == (201, "incident_created")
    assert (low.status_code, low.json()["status"]) == (200, "logged_only")
    assert violence.headers["x-request-id"]


def test_errors_elsewhere_use_the_envelope(platform: dict[str, str]) -> None:
    response = httpx.get(f"{platform['resq']}/api/nothing-here", headers={"X-Request-ID": "abc"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["request_id"] == "abc"


def test_cli_help_names_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "worker", "migrate"):
        assert command in result.output
    serve_help = CliRunner().invoke(cli, ["serve", "--help"])
    for option in ("--data-dir", "--resq-port", "--atlas-port", "--halo-port", "--demo"):
        assert option in serve_help.output


def test_cli_rejects_unknown_services(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["migrate", "fire-brigade", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "unknown service fire-brigade" in result.output


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m safewatch ARGS` as a user runs it, on SQLite whatever the environment says."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    command = [sys.executable, "-m", "safewatch", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_migrate_command_brings_databases_to_head(tmp_path: Path) -> None:
    result = run_cli("migrate", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "resq: database at head",
        "atlas: database at head",
        "halo: database at head",
    ]


def test_jobs_command_shows_counts_and_dead_letters(tmp_path: Path) -> None:
    result = run_cli("jobs", "resq", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "resq: no jobs" in result.stdout
    retry_many = CliRunner().invoke(cli, ["jobs", "--retry", "3", "--data-dir", str(tmp_path)])
    assert retry_many.exit_code != 0
    assert "--retry needs exactly one service" in retry_many.output


def test_serving_resq_alone_does_not_load_the_ml_stack(tmp_path: Path) -> None:
    """A campus running only ResQ starts without scikit-learn, SciPy or Atlas's models."""
    probe = (
        "import sys; from pathlib import Path; from safewatch.server import build_runtimes; "
        f"build_runtimes(['resq'], data_dir=Path({str(tmp_path)!r}), ports={{'resq': 1}}); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'safewatch.atlas.app') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
