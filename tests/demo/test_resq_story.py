"""`safewatch demo` against a real `safewatch serve resq --demo` process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from safewatch.core.testing.servers import serve_process

PASSWORD = "demo-story-password"


@pytest.fixture
def resq_url(database_url: Callable[[str], str], tmp_path: Path) -> Iterator[str]:
    env = {"RESQ_DATABASE_URL": database_url("resq"), "SAFEWATCH_DEMO_PASSWORD": PASSWORD}
    with serve_process("resq", data_dir=tmp_path, env=env, extra_args=("--demo",)) as url:
        yield url


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SAFEWATCH_DEMO_PASSWORD"}
    env["COLUMNS"] = "200"  # one line per step, as in a wide terminal
    command = [sys.executable, "-m", "safewatch", "demo", "--chapters", "resq", "--pace", "0"]
    command += args
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=90, check=False)


def test_the_story_runs_from_scream_to_resolution(resq_url: str) -> None:
    refused = demo("--resq", resq_url, "--password", "not-the-password")
    assert refused.returncode == 1
    assert "stopped: ResQ refused dispatcher's demo password" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr

    result = demo("--resq", resq_url, "--password", PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    said = "\n".join(lines)
    assert "scream at Library 3F Stacks (0.88): incident_created, priority High" in said
    assert "signal_added_to_existing to the same incident, priority now Critical" in said
    assert next(line for line in lines if "alerted #" in line).endswith("Robin Guard (15 m away)")
    assert "guard3 ACCEPTS" in said
    assert "409 Incident already accepted by Robin Guard" in said
    assert "student1 presses SOS at the same beacon: signal_added_to_existing" in said
    timeline = lines[next(i for i, line in enumerate(lines) if "timeline" in line) + 1 : -1]
    kinds = [line.split()[3] for line in timeline]  # "4.26s ResQ 03:05:22 created by ai:scream"
    for kind in ("created", "priority_raised", "acknowledged", "sos_linked", "arrived", "resolved"):
        assert kind in kinds, kinds
    assert f"done: the dispatcher console ({resq_url}/console/) has the incident" in lines[-1]


def test_no_service_there_is_said_plainly(tmp_path: Path) -> None:
    result = demo("--resq", "http://127.0.0.1:9", "--password", PASSWORD)
    assert result.returncode == 1
    assert "stopped: cannot reach http://127.0.0.1:9" in result.stdout


def test_without_a_password_it_says_where_to_find_one(tmp_path: Path) -> None:
    result = demo("--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "start the platform with `make run` first" in result.stdout + result.stderr


def test_it_plays_again_over_what_an_earlier_run_left_open(resq_url: str) -> None:
    """A run cut short leaves an incident open at the demo's beacon: the next run cancels it
    and plays its own story, as often as one likes."""
    left = httpx.post(
        f"{resq_url}/api/ai/scream-detected/",
        json={"beacon_id": "safe:uuid:401:401", "confidence_score": 0.9, "description": "x"},
    )
    assert left.json()["status"] == "incident_created"
    first = demo("--resq", resq_url, "--password", PASSWORD)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "cancelled an earlier demo incident at safe:uuid:401:401" in first.stdout
    second = demo("--resq", resq_url, "--password", PASSWORD)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "cancelled" not in second.stdout  # the first run resolved its own incident
    assert "scream at Library 3F Stacks (0.88): incident_created" in second.stdout
