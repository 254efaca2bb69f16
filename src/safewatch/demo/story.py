"""Plays the chapters in order against the services' URLs and says where it stopped if a
step fails (a service down, a wrong password), instead of a traceback."""

from __future__ import annotations

import httpx

from safewatch.demo import resq_story
from safewatch.demo.narrator import DemoFailed, Narrator

TIMEOUT = httpx.Timeout(10.0)


async def play(*, resq_url: str, password: str, narrator: Narrator | None = None) -> bool:
    say = narrator or Narrator()
    try:
        async with httpx.AsyncClient(base_url=resq_url, timeout=TIMEOUT) as resq:
            await resq_story.play(resq, password, say)
    except DemoFailed as failure:
        say.say("demo", f"[red]stopped:[/red] {failure}")
        return False
    except httpx.TransportError as failure:
        say.say("demo", f"[red]stopped:[/red] cannot reach {failure.request.url}: {failure!r}")
        return False
    say.say("demo", "[green]done[/green]: open the consoles to see it all again")
    return True
