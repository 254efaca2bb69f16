"""A newcomer's first hour, as they would live it: `safewatch serve --demo` with nothing set,
the README's shell blocks pasted in order, then `safewatch demo` twice in a row."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from safewatch.core.testing.servers import free_port, running_server, wait_ready

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[1]
DEFAULT_PORTS = {"resq": 8000, "atlas": 8001, "halo": 8002}
# What an operator might have exported: none of it may be needed.
CONFIGURATION = re.compile(r"^(ATLAS_|API_KEY_|RESQ_|HALO_|SAFEWATCH_)|_DATABASE_URL$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`make run`'s command with no Safewatch environment at all, on free ports."""
    data_dir = tmp_path_factory.mktemp("first-hour")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    env = {k: v for k, v in os.environ.items() if not CONFIGURATION.search(k)}
    command = [sys.executable, "-m", "safewatch", "serve", "--demo", "--data-dir", str(data_dir)]
    command += [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    with running_server(
        command, port=ports["resq"], env=env, log_path=data_dir / "serve.log", timeout=120
    ) as process:
        wait_ready(urls["halo"], process=process)
        wait_ready(urls["atlas"], timeout=300, process=process)  # its threat model loaded
        yield {"urls": urls, "ports": ports, "data_dir": data_dir, "env": env, "log": process}


@pytest.mark.timeout(600)
def test_halo_reaches_the_atlas_beside_it_with_nothing_configured(stack: dict[str, Any]) -> None:
    urls, data_dir = stack["urls"], stack["data_dir"]
    ready = httpx.get(f"{urls['halo']}/readyz").json()
    assert ready["details"]["atlas"] == {"state": "configured", "url": urls["atlas"]}
    report = httpx.post(
        f"{urls['halo']}/api/v1/incidents",
        json={"description": "Gunshots heard", "latitude": 59.3293, "longitude": 18.0686},
    )
    assert report.status_code == 201, report.text
    incident = report.json()
    assert incident["classification_source"] == "atlas"
    assert incident["fallback_reason"] is None
    assert incident["atlas_threat_id"]
    # The keys are kept owner-only in the data dir, and Atlas holds only their hash.
    atlas_db = (data_dir / "atlas.db").read_bytes() + (data_dir / "atlas.db-wal").read_bytes()
    for product in ("halo", "resq"):
        kept = data_dir / "atlas-keys" / f"{product}.key"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert kept.read_text().strip().encode() not in atlas_db


def blocks(readme: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", readme, flags=re.S | re.M)


def pasted(block: str, stack: dict[str, Any]) -> str:
    """The block as run against this stack: its ports and data dir for the defaults."""
    for name, port in DEFAULT_PORTS.items():
        block = re.sub(
            rf"(127\.0\.0\.1|localhost):{port}\b", f"127.0.0.1:{stack['ports'][name]}", block
        )
    return block.replace("var/", f"{stack['data_dir']}/")


def json_values(text: str) -> list[Any]:
    """Every JSON object or list in a block's output (curl prints no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := _next_json(text, at)) is not None:
        try:
            value, at = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        found.append(value)
    return found


def _next_json(text: str, at: int) -> int | None:
    starts = [i for i in (text.find("{", at), text.find("[", at)) if i >= 0]
    return min(starts) if starts else None


def walkthrough(values: list[Any]) -> None:
    violence, scream, low, legacy, beacons = values
    assert (violence["status"], violence["incident_priority"]) == ("incident_created", "Critical")
    assert violence["beacon_location"] == "Library 3F Entrance"
    assert (scream["status"], scream["incident_priority"]) == ("incident_created", "High")
    assert low["status"] == "logged_only"
    assert low["message"] == "Confidence 0.65 below threshold 0.75"
    assert (legacy["status"], legacy["incident_priority"]) == ("incident_created", "High")
    assert "safe:uuid:403:403" in {b["beacon_id"] for b in beacons}


def guard_accepts(values: list[Any]) -> None:
    alerts, accepted = values
    assert alerts and all(a["status"] == "SENT" for a in alerts)
    assert accepted["status"] == "ACKNOWLEDGED"


def classified(values: list[Any]) -> None:
    (answer,) = values
    c = answer["classification"]
    assert (c["threat_category"], c["threat_subcategory"], c["severity"]) == (
        "violence",
        "shooting_victim",
        5,
    )
    assert c["product_mappings"]["halo_incident_type"] == "shooting"
    assert answer["model_version"].startswith("base-")


def reported(values: list[Any]) -> None:
    (incident,) = values
    assert (incident["category"], incident["severity"]) == ("weapons", 5)
    assert incident["classification_source"] == "atlas" and incident["atlas_threat_id"]


def patterns(values: list[Any]) -> None:
    (answer,) = values
    assert answer["count"] > 0 and answer["computed_at"]
    assert {p["type"] for p in answer["patterns"]} & {"hotspot", "repeat_series"}
    assert all(set(p["threat_types"]) <= {"violence", "theft"} for p in answer["patterns"])
    assert all(p["significance"] >= 0.7 for p in answer["patterns"])


def analysed(values: list[Any]) -> None:
    (answer,) = values
    assert (answer["media_type"], answer["format"]) == ("photo", "png")
    assert answer["analysis_id"] and answer["objects"] == []


def quiet(values: list[Any]) -> None:
    assert values == []


# One check per ```bash block of the README, in order; the first is `make run` itself.
CHECKS: list[Callable[[list[Any]], None]] = [
    quiet,  # source .venv/bin/activate
    walkthrough,
    guard_accepts,
    classified,
    reported,
    patterns,
    analysed,
]


@pytest.mark.timeout(600)
def test_the_readme_pasted_line_by_line(stack: dict[str, Any]) -> None:
    make, *pastable = blocks((REPO / "README.md").read_text())
    assert make.startswith("make run")
    assert len(pastable) == len(CHECKS), "a README shell block without a check in this test"
    script = "set -euo pipefail\n" + "".join(
        f"echo '@@block {n}@@'\n{pasted(block, stack)}\n" for n, block in enumerate(pastable)
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env={**stack["env"], "SAFEWATCH_DATA_DIR": str(stack["data_dir"])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = re.split(r"@@block \d+@@\n", done.stdout)[1:]
    for n, (output, check) in enumerate(zip(outputs, CHECKS, strict=True)):
        try:
            check(json_values(output))
        except (AssertionError, ValueError, KeyError) as failure:
            raise AssertionError(f"README block {n + 1}: {failure!r}\n{output[:2000]}") from None


@pytest.mark.timeout(600)
def test_the_demo_runs_twice_right_after_the_walkthrough(stack: dict[str, Any]) -> None:
    urls = stack["urls"]
    command = [sys.executable, "-m", "safewatch", "demo", "--pace", "0"]
    command += ["--data-dir", str(stack["data_dir"])]
    command += [arg for name in DEFAULT_PORTS for arg in (f"--{name}", urls[name])]
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("safewatch-demo-*"))
    for run in (1, 2):
        done = subprocess.run(
            command,
            env=stack["env"] | {"COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert done.returncode == 0, f"run {run}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stdout + done.stderr
        assert "by atlas" in done.stdout  # Halo's report, through the running Atlas
        assert "synced after" in done.stdout  # the outage on the demo's own stack
        assert "patterns within 5 km of downtown" in done.stdout
        assert "done" in done.stdout.splitlines()[-1]
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("safewatch-demo-*")) == before


def test_resq_reported_its_incidents_to_the_atlas_beside_it(stack: dict[str, Any]) -> None:
    """By now the walk-through and the demo opened campus incidents: each reached Atlas as a
    `resq` threat (a durable job, so within seconds), which its patterns can use."""
    deadline = time.monotonic() + 30
    while (reported := resq_threats(stack["data_dir"] / "atlas.db")) < 4:
        assert time.monotonic() < deadline, f"only {reported} ResQ incidents reached Atlas"
        time.sleep(0.5)


def resq_threats(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM threats WHERE product = 'resq'"
        ).fetchone()
    return int(count)
