"""The demo's voice: one readable line per step, with the time since the story began."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from rich.console import Console

COLOURS = {"ResQ": "red", "Atlas": "magenta", "Halo": "cyan", "demo": "white"}


class DemoFailed(Exception):
    """A step got an answer the story cannot go on from; the message says which and why."""


class Narrator:
    """Says each step; `pace` seconds between steps let a person follow along in the pages."""

    def __init__(self, console: Console | None = None, pace: float = 0.0) -> None:
        self.console = console or Console(highlight=False)
        self.started = time.monotonic()
        self.pace = pace

    async def pause(self) -> None:
        if self.pace > 0:
            await asyncio.sleep(self.pace)

    def say(self, service: str, text: str) -> None:
        elapsed = time.monotonic() - self.started
        colour = COLOURS.get(service, "white")
        self.console.print(f"[dim]{elapsed:6.2f}s[/dim] [bold {colour}]{service:<5}[/] {text}")

    def chapter(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")


def expect(response: httpx.Response, *statuses: int) -> Any:
    """The answer's JSON when its status is one we expect; otherwise stop with the API's words."""
    if response.status_code not in statuses:
        raise DemoFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )
    return response.json()


def error_message(response: httpx.Response) -> str:
    error = response.json().get("error")
    return str(error.get("message") if isinstance(error, dict) else error)
