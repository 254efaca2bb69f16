"""The block `serve` prints once every service listens: where each page is, who signs in
with what, and how the services reach each other. The demo password is shown to a person at a
terminal only: printed elsewhere (a pipe, a journal) it would end up in log files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from safewatch.core.service import ServiceRuntime
from safewatch.wiring import reachable

TITLES = {"resq": "ResQ", "atlas": "Atlas", "halo": "Halo"}


def show(
    runtimes: Sequence[ServiceRuntime],
    *,
    host: str,
    data_dir: Path,
    console: Console | None = None,
) -> None:
    console = console or Console(highlight=False)
    say = partial(console.print, soft_wrap=True)  # a URL is never cut or folded
    say(f"\n[bold]Safewatch is up[/bold] (data in {escape(str(data_dir))})")
    hidden = [] if console.is_terminal else [s for r in runtimes for s in r.secrets]
    for line in lines(runtimes, reachable(host)):
        say(_masked(line, hidden))
    if any(runtime.secrets for runtime in runtimes):  # the demo users are loaded
        say(
            f"\n  Next, in another terminal: [bold].venv/bin/safewatch demo --data-dir "
            f"{escape(str(data_dir))}[/bold], and watch it in the pages above\n"
        )


def lines(runtimes: Sequence[ServiceRuntime], address: str) -> Iterator[str]:
    pages = {runtime.name: _pages(runtime, address) for runtime in runtimes}
    width = max((len(url) for rows in pages.values() for url, _ in rows), default=0)
    for runtime in runtimes:
        yield ""
        for n, (url, audience) in enumerate(pages[runtime.name]):
            title = TITLES[runtime.name] if n == 0 else ""
            yield f"  [bold]{title:<6}[/bold] {url:<{width}}  {escape(audience)}"
        for note in runtime.notes:
            yield f"         {escape(note)}"


def _masked(line: str, secrets: list[str]) -> str:
    for secret in secrets:
        line = line.replace(secret, "(shown on a terminal only)")
    return line


def _pages(runtime: ServiceRuntime, address: str) -> list[tuple[str, str]]:
    base = f"http://{address}:{runtime.port}"
    pages = [(f"{base}{page.path}", page.audience) for page in runtime.pages]
    if runtime.app.docs_url:  # hidden in production
        pages.append((f"{base}{runtime.app.docs_url}", "API docs"))
    return pages
