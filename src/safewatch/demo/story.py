"""Plays the chapters in order and says where it stopped if a step fails (a service down, a
wrong password), instead of a traceback. ResQ's chapter runs against the running ResQ (watch
it on the dispatcher console); Halo's and the patterns' run on the demo's own Atlas and Halo,
which it may stop and start."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import httpx

from safewatch.demo import halo_story, resq_story
from safewatch.demo.narrator import DemoFailed, Narrator
from safewatch.demo.stack import DemoStack

CHAPTERS = ("resq", "halo", "patterns")
TIMEOUT = httpx.Timeout(10.0)


async def play(
    *,
    resq_url: str,
    password: str,
    chapters: Sequence[str] = CHAPTERS,
    model_dir: Path | None = None,
    narrator: Narrator | None = None,
) -> bool:
    say = narrator or Narrator()
    try:
        if "resq" in chapters:
            async with httpx.AsyncClient(base_url=resq_url, timeout=TIMEOUT) as resq:
                await resq_story.play(resq, password, say)
        if {"halo", "patterns"} & set(chapters):
            say.say("demo", "starting the demo's own Atlas and Halo")
            with DemoStack(model_dir) as stack:
                if "halo" in chapters:
                    await halo_story.play_outage(stack, say)
                if "patterns" in chapters:
                    await halo_story.play_patterns(stack, say)
    except DemoFailed as failure:
        say.say("demo", f"[red]stopped:[/red] {failure}")
        return False
    except httpx.TransportError as failure:
        say.say("demo", f"[red]stopped:[/red] cannot reach {failure.request.url}: {failure!r}")
        return False
    except (subprocess.CalledProcessError, TimeoutError, RuntimeError) as failure:
        say.say("demo", f"[red]stopped:[/red] a demo service did not run: {failure}")
        return False
    say.say("demo", "[green]done[/green]: open the consoles to see it all again")
    return True
