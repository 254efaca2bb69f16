"""Processes starting together on a fresh data dir agree on one signing secret: none crashes,
none reads a half-written file (found: about one start in 50 failed with FileExistsError or
read an empty secret)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from safewatch.core.auth.sign_in import secret_file

PROCESSES = 4
_start: Any = None  # a barrier: every process reaches each path at the same moment


def _share(barrier: Any) -> None:
    global _start
    _start = barrier


def read_or_create(paths: list[str]) -> list[str]:
    answers = []
    for path in paths:
        _start.wait()
        try:
            answers.append(secret_file(Path(path), 48))
        except OSError as exc:
            answers.append(f"failed: {exc!r}")
    return answers


def test_processes_starting_together_share_one_whole_secret(tmp_path: Path) -> None:
    paths = [str(tmp_path / f"start-{i}" / "resq-jwt.secret") for i in range(300)]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["safewatch.core.auth.sign_in"])  # imported once, not 4x
    barrier = context.Barrier(PROCESSES)
    with ProcessPoolExecutor(
        PROCESSES, mp_context=context, initializer=_share, initargs=(barrier,)
    ) as pool:
        per_process = list(pool.map(read_or_create, [paths] * PROCESSES))
    for path, got in zip(paths, zip(*per_process, strict=True), strict=True):
        assert len(set(got)) == 1 and len(got[0]) == 64, got
        assert Path(path).read_text() == got[0]
        assert Path(path).stat().st_mode & 0o777 == 0o600
        assert [p.name for p in Path(path).parent.iterdir()] == ["resq-jwt.secret"]
