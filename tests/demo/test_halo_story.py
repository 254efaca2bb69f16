"""`safewatch demo --chapters halo,patterns`: the demo's own Atlas and Halo processes; Atlas is
stopped mid-story and the report made meanwhile is synced once it is back; real points give
patterns and advice near downtown San Antonio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.server
def test_fallback_then_sync_then_patterns_over_real_points(tmp_path: Path, model_dir: Path) -> None:
    (tmp_path / "models").symlink_to(model_dir)  # as `make run` leaves it: a trained model
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    command = [
        sys.executable,
        "-m",
        "safewatch",
        "demo",
        "--chapters",
        "halo,patterns",
        "--pace",
        "0",
    ]
    result = subprocess.run(
        [*command, "--data-dir", str(tmp_path)],
        env={**env, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    said = "\n".join(lines)
    assert '"Gunshots heard outside the bus station" -> weapons, severity 5' in said
    assert "by atlas" in next(line for line in lines if "Gunshots" in line)
    outage = next(line for line in lines if "smashed my car window" in line)
    assert "by fallback" in outage and "-> theft" in outage
    assert int(outage.rsplit("(", 1)[1].split(" ms")[0]) < 800  # Halo's deadline, not Atlas's
    assert "now by atlas" in next(line for line in lines if "synced after" in line)
    assert "9937 rows imported for frontline" in said
    assert [line for line in lines if "hotspot (" in line], said
    assert [line for line in lines if "advice:" in line], said
