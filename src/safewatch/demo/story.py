"""Plays the chapters in order and says in one sentence where it stopped if a step fails (a
service down, a wrong password), instead of a traceback. ResQ's chapter runs against the
running ResQ. Halo's and the patterns' run against the running Atlas and Halo when they are
up, so their pages show what the demo did; the Atlas outage always plays on the demo's own
Atlas and Halo, since stopping yours is not the demo's to do."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from safewatch.core.logging import get_logger
from safewatch.demo import halo_story, resq_story
from safewatch.demo.narrator import DemoFailed, Narrator
from safewatch.demo.stack import DemoStack, RunningServices

CHAPTERS = ("resq", "halo", "patterns")
TIMEOUT = httpx.Timeout(10.0)
log = get_logger(__name__)


@dataclass(frozen=True)
class Targets:
    resq_url: str = "http://127.0.0.1:8000"
    halo_url: str = "http://127.0.0.1:8002"
    atlas_url: str = "http://127.0.0.1:8001"
    data_dir: Path = Path("var")


async def play(
    *,
    targets: Targets,
    password: str,
    chapters: Sequence[str] = CHAPTERS,
    narrator: Narrator | None = None,
) -> bool:
    say = narrator or Narrator()
    try:
        if "resq" in chapters:
            async with httpx.AsyncClient(base_url=targets.resq_url, timeout=TIMEOUT) as resq:
                await resq_story.play(resq, password, say)
        running = None
        if {"halo", "patterns"} & set(chapters):
            running = await RunningServices.find(
                targets.halo_url, targets.atlas_url, targets.data_dir
            )
            await _halo_chapters(running, chapters, targets.data_dir / "models", say)
    except DemoFailed as failure:
        return _stopped(say, str(failure))
    except httpx.TransportError as failure:
        where = failure.request.url
        return _stopped(say, f"cannot reach {where} ({type(failure).__name__}): is it running?")
    except (subprocess.CalledProcessError, TimeoutError, RuntimeError) as failure:
        return _stopped(say, f"a demo service did not run: {failure}")
    except Exception as failure:  # still one sentence; the details go to the debug log
        log.debug("demo_failed", exc_info=True)
        return _stopped(say, f"unexpected {type(failure).__name__}: {failure}")
    say.say("demo", f"[green]done[/green]: {_where_to_look(targets, chapters, running)}")
    return True


async def _halo_chapters(
    running: RunningServices | None, chapters: Sequence[str], models: Path, say: Narrator
) -> None:
    if running is None:
        say.say("demo", "Halo and Atlas are not running here: starting the demo's own")
        with DemoStack(models) as stack:
            if "halo" in chapters:
                await halo_story.play_reports(stack, say)
                await halo_story.play_outage(stack, say)
            if "patterns" in chapters:
                await halo_story.play_patterns(stack, say)
        return
    say.say("demo", f"using the running Halo ({running.halo_url}) and Atlas")
    if "halo" in chapters:
        await halo_story.play_reports(running, say)
        say.say("demo", "starting the demo's own Atlas and Halo, to stop that Atlas, not yours")
        with DemoStack(models) as stack:
            await halo_story.play_outage(stack, say)
    if "patterns" in chapters:
        await halo_story.play_patterns(running, say)


def _where_to_look(targets: Targets, chapters: Sequence[str], running: object) -> str:
    places = []
    if "resq" in chapters:
        places.append(f"the dispatcher console ({targets.resq_url}/console/) has the incident")
    if running is not None:
        places.append(f"Halo ({targets.halo_url}/) and Atlas ({targets.atlas_url}/) the reports")
    return "; ".join(places) or "the demo's own Atlas and Halo are stopped and removed"


def _stopped(say: Narrator, sentence: str) -> bool:
    say.say("demo", f"[red]stopped:[/red] {sentence}")
    return False
