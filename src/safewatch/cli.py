"""The `safewatch` command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from safewatch.core.logging import configure_logging

app = typer.Typer(
    help="Safewatch: ResQ campus dispatch, Atlas Intelligence and Halo incident reporting.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ServicesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Services to run: resq, atlas, halo (default: all three).", show_default=False
    ),
]
ServicesToActOn = Annotated[
    list[str] | None,
    typer.Argument(
        help="Which services' databases: resq, atlas, halo (default: all three).",
        show_default=False,
    ),
]
LogLevel = Annotated[str, typer.Option(envvar="SAFEWATCH_LOG_LEVEL", help="debug, info, warning")]
DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="SAFEWATCH_DATA_DIR",
        help="Where SQLite databases and model files live.",
    ),
]


def _services(names: list[str] | None) -> list[str]:
    from safewatch.server import SERVICES

    chosen = names or list(SERVICES)
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        raise typer.BadParameter(
            f"unknown service {', '.join(unknown)}; choose from {', '.join(SERVICES)}"
        )
    return list(dict.fromkeys(chosen))


@app.command()
def serve(
    services: ServicesArg = None,
    data_dir: DataDir = Path("var"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    resq_port: Annotated[int, typer.Option(help="ResQ's port.")] = 8000,
    atlas_port: Annotated[int, typer.Option(help="Atlas's port.")] = 8001,
    halo_port: Annotated[int, typer.Option(help="Halo's port.")] = 8002,
    demo: Annotated[bool, typer.Option(help="Load the demo campus, guards and users.")] = False,
    worker: Annotated[bool, typer.Option(help="Run the job workers in this process.")] = True,
    log_level: LogLevel = "info",
) -> None:
    """Run the services in one process, each on its own port with its own database. Halo and
    ResQ use the Atlas running beside them (product keys kept in the data dir) unless its
    address or key is set in the environment."""
    from safewatch import start_block
    from safewatch.server import build_runtimes
    from safewatch.server import serve as run

    configure_logging(log_level)
    ports = {"resq": resq_port, "atlas": atlas_port, "halo": halo_port}
    runtimes = build_runtimes(
        _services(services), data_dir=data_dir, ports=ports, demo=demo, host=host, wire=True
    )
    asyncio.run(
        run(
            runtimes,
            host=host,
            workers=worker,
            on_listening=lambda: start_block.show(runtimes, host=host, data_dir=data_dir),
        )
    )


@app.command()
def worker(
    services: ServicesArg = None,
    data_dir: DataDir = Path("var"),
    atlas_port: Annotated[
        int,
        typer.Option(help="The port of the Atlas that `serve` runs, for Halo's and ResQ's jobs."),
    ] = 8001,
    log_level: LogLevel = "info",
) -> None:
    """Run only the job workers (pushes, syncs, retrains), e.g. beside `serve --no-worker`."""
    from safewatch.server import DEFAULT_PORTS, build_runtimes, run_workers

    configure_logging(log_level)
    ports = {**DEFAULT_PORTS, "atlas": atlas_port}
    runtimes = build_runtimes(_services(services), data_dir=data_dir, ports=ports, wire=True)
    asyncio.run(run_workers(runtimes))


@app.command()
def migrate(services: ServicesToActOn = None, data_dir: DataDir = Path("var")) -> None:
    """Apply each service's database migrations and exit."""
    from safewatch.server import DEFAULT_PORTS, build_runtimes

    async def _migrate() -> None:
        for runtime in build_runtimes(_services(services), data_dir=data_dir, ports=DEFAULT_PORTS):
            await runtime.migrate()
            await runtime.db.dispose()
            typer.echo(f"{runtime.name}: database at head")

    asyncio.run(_migrate())


@app.command()
def jobs(
    services: ServicesToActOn = None,
    data_dir: DataDir = Path("var"),
    status: Annotated[str, typer.Option(help="pending, done or dead.")] = "dead",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Jobs to list.")] = 20,
    retry: Annotated[
        list[int] | None,
        typer.Option(help="Re-queue these dead jobs (repeat: --retry 7 --retry 9; one service)."),
    ] = None,
    retry_all: Annotated[
        bool, typer.Option("--retry-all", help="Re-queue every dead job of the service.")
    ] = False,
) -> None:
    """Show each service's job queue: counts, and the latest jobs with a status (dead letters
    by default, with the reason they died)."""
    from rich.console import Console
    from rich.table import Table as RichTable

    from safewatch.core.clock import SystemClock
    from safewatch.core.jobs.admin import job_counts, list_jobs, requeue_dead
    from safewatch.server import DEFAULT_PORTS, build_runtimes

    console = Console()
    chosen = _services(services)
    requeue = retry_all or bool(retry)
    if requeue and len(chosen) != 1:
        raise typer.BadParameter("--retry needs exactly one service, e.g. `jobs resq --retry 7`")

    async def _show() -> None:
        for runtime in build_runtimes(chosen, data_dir=data_dir, ports=DEFAULT_PORTS):
            await runtime.migrate()
            table = runtime.worker.table
            if requeue:
                wanted = None if retry_all else retry
                done = await requeue_dead(runtime.db, table, wanted, SystemClock().now())
                console.print(_requeued(runtime.name, wanted, done))
            counts = await job_counts(runtime.db, table)
            rows = await list_jobs(runtime.db, table, status=status, limit=limit)
            await runtime.db.dispose()
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no jobs"
            view = RichTable(title=f"{runtime.name}: {summary}", title_justify="left")
            for column in ("id", "kind", "attempts", "run at", "last error"):
                view.add_column(column)
            for row in rows:
                view.add_row(
                    str(row["id"]),
                    row["kind"],
                    str(row["attempts"]),
                    f"{row['run_at']:%Y-%m-%d %H:%M:%S}",
                    row["last_error"] or "",
                )
            console.print(view)

    asyncio.run(_show())


def _requeued(service: str, wanted: list[int] | None, done: list[int]) -> str:
    said = f"{service}: re-queued {', '.join(map(str, done)) or 'nothing'}"
    missed = sorted(set(wanted or ()) - set(done))
    return said + (f"; not dead jobs: {', '.join(map(str, missed))}" if missed else "")


@app.command()
def demo(
    resq: Annotated[str, typer.Option(help="ResQ's base URL.")] = "http://127.0.0.1:8000",
    halo: Annotated[str, typer.Option(help="Halo's base URL.")] = "http://127.0.0.1:8002",
    atlas: Annotated[str, typer.Option(help="Atlas's base URL.")] = "http://127.0.0.1:8001",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SAFEWATCH_DEMO_PASSWORD",
            help="The demo users' password (default: the one `serve --demo` kept in the data dir).",
        ),
    ] = None,
    data_dir: DataDir = Path("var"),
    chapters: Annotated[
        str, typer.Option(help="Comma list of chapters: resq, halo, patterns.")
    ] = "resq,halo,patterns",
    pace: Annotated[
        float, typer.Option(min=0, max=30, help="Seconds between steps, to watch them happen.")
    ] = 1.0,
) -> None:
    """Play a narrated scenario against the services `make run` started; watch it in their
    pages. It runs at its own beacon and can run again at any time. The Atlas outage plays on
    the demo's own Atlas and Halo, which it starts, stops and removes."""
    from safewatch.demo.narrator import Narrator
    from safewatch.demo.story import CHAPTERS, Targets, play

    chosen = [c.strip() for c in chapters.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(CHAPTERS))
    if unknown:
        raise typer.BadParameter(f"unknown chapter {', '.join(unknown)}; use {', '.join(CHAPTERS)}")
    secret = (password or _kept_demo_password(data_dir)) if "resq" in chosen else ""
    targets = Targets(resq.rstrip("/"), halo.rstrip("/"), atlas.rstrip("/"), data_dir)
    done = asyncio.run(
        play(targets=targets, password=secret, chapters=chosen, narrator=Narrator(pace=pace))
    )
    if not done:
        raise typer.Exit(1)


@app.command()
def settings() -> None:
    """Print every setting with its environment name and default (docs/configuration.md)."""
    from safewatch.settings_reference import render

    typer.echo(render(), nl=False)


@app.command("api-docs")
def api_docs() -> None:
    """Print every route of the three services with who may call it (docs/api.md)."""
    from safewatch.api_reference import render

    typer.echo(render(), nl=False)


def _kept_demo_password(data_dir: Path) -> str:
    from safewatch.resq.auth.service import DEMO_PASSWORD_FILE

    kept = data_dir / DEMO_PASSWORD_FILE
    if not kept.is_file():
        raise typer.BadParameter(
            f"no {kept}: start the platform with `make run` first, or pass --password (or "
            "SAFEWATCH_DEMO_PASSWORD) or the --data-dir that `safewatch serve --demo` uses"
        )
    return kept.read_text().strip()


def _add_service_commands() -> None:
    from safewatch.atlas.cli import app as atlas_app
    from safewatch.detector.cli import detect
    from safewatch.halo.cli import app as halo_app

    app.add_typer(atlas_app, name="atlas")
    app.add_typer(halo_app, name="halo")
    app.command()(detect)


def _summaries(group: typer.Typer) -> None:
    """Each command's line in a list is its docstring's first paragraph as one line: rich keeps
    the source's hard line breaks there, which broke mid-sentence in the commands table."""
    for command in group.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc and command.short_help is None:
            command.short_help = " ".join(doc.split("\n\n")[0].split())
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _summaries(sub.typer_instance)


_add_service_commands()
_summaries(app)


def main() -> None:
    app()
