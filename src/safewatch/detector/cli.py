"""`safewatch detect`: send a beacon's media to Atlas and tell ResQ what it shows."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress

from safewatch.detector.bridge import Bridge, Config, Outcome, media_type_of
from safewatch.detector.ledger import Ledger

console = Console()


def _files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob("*") if p.is_file() and media_type_of(p))


def _report(outcome: Outcome) -> None:
    style = "red" if outcome.failed else "green" if "posted:" in " ".join(outcome.actions) else ""
    console.print(f"[bold]{outcome.path.name}[/] " + "; ".join(outcome.actions), style=style)


def _run(bridge: Bridge, files: Iterable[Path]) -> list[Outcome]:
    files = list(files)
    outcomes = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Analysing", total=len(files))
        for path in files:
            outcome = bridge.process(path)
            _report(outcome)
            outcomes.append(outcome)
            progress.advance(task)
    return outcomes


def watch(bridge: Bridge, folder: Path, interval: float, cycles: int | None = None) -> None:
    """Process new files as they appear; a file is taken once its size stops changing."""
    sizes: dict[Path, int] = {}
    done: set[Path] = set()
    cycle = 0
    while cycles is None or cycle < cycles:
        ready = []
        for path in _files(folder):
            size = path.stat().st_size
            if path not in done and sizes.get(path) == size:
                ready.append(path)
            sizes[path] = size
        for outcome in _run(bridge, ready):
            if not outcome.failed:
                done.add(outcome.path)
        cycle += 1
        if cycles is None or cycle < cycles:
            time.sleep(interval)


def detect(
    target: Annotated[Path, typer.Argument(help="A media file, or a folder of them.", exists=True)],
    beacon: Annotated[str, typer.Option(help="The beacon whose camera or microphone made it.")],
    resq: Annotated[str, typer.Option(envvar="RESQ_URL", help="ResQ's base URL.")],
    atlas: Annotated[str, typer.Option(envvar="ATLAS_API_URL", help="Atlas's base URL.")] = (
        "http://127.0.0.1:8001"
    ),
    atlas_key: Annotated[
        str, typer.Option(envvar="ATLAS_API_KEY", help="ResQ's Atlas key (product resq).")
    ] = "",
    resq_token: Annotated[
        str | None, typer.Option(envvar="RESQ_AI_TOKEN", help="Bearer token, if ResQ wants one.")
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0, max=1, help="Post only evidence at least this confident.")
    ] = 0.75,
    ledger: Annotated[
        Path, typer.Option(help="Where the record of analysed clips and posts is kept.")
    ] = Path("var/detect-ledger.db"),
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries per call.")] = 4,
    watch_folder: Annotated[
        bool, typer.Option("--watch", help="Keep watching the folder for new files.")
    ] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between looks.")] = 2.0,
) -> None:
    """Send media from a beacon's camera or microphone to Atlas; post violence-detected or
    scream-detected to ResQ when the evidence reaches the threshold. Each clip is posted at
    most once (the ledger keeps its content hash); failed posts are retried on the next run."""
    if not atlas_key:
        raise typer.BadParameter("set --atlas-key or ATLAS_API_KEY (a key for product resq)")
    config = Config(
        beacon=beacon,
        atlas_url=atlas.rstrip("/"),
        atlas_key=atlas_key,
        resq_url=resq.rstrip("/"),
        resq_token=resq_token,
        threshold=threshold,
        retries=retries,
    )
    record = Ledger(ledger)
    try:
        with httpx.Client() as http:
            bridge = Bridge(config, record, http)
            if watch_folder:
                if not target.is_dir():
                    raise typer.BadParameter("--watch needs a folder")
                console.print(f"Watching {target} (Ctrl-C stops)")
                try:
                    watch(bridge, target, interval)
                except KeyboardInterrupt:
                    console.print("Stopped")
                return
            outcomes = _run(bridge, _files(target))
    finally:
        record.close()
    failed = sum(o.failed for o in outcomes)
    posted = sum(" posted:" in " ".join(o.actions) for o in outcomes)
    console.print(f"{len(outcomes)} files, {posted} with posts to ResQ, {failed} failed")
    if failed:
        raise typer.Exit(1)
