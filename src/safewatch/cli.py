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
    log_level: Annotated[str, typer.Option(envvar="SAFEWATCH_LOG_LEVEL")] = "info",
) -> None:
    """Run the services in one process, each on its own port with its own database."""
    from safewatch.server import build_runtimes
    from safewatch.server import serve as run

    configure_logging(log_level)
    ports = {"resq": resq_port, "atlas": atlas_port, "halo": halo_port}
    runtimes = build_runtimes(_services(services), data_dir=data_dir, ports=ports, demo=demo)
    asyncio.run(run(runtimes, host=host, workers=worker))


@app.command()
def worker(
    services: ServicesArg = None,
    data_dir: DataDir = Path("var"),
    log_level: Annotated[str, typer.Option(envvar="SAFEWATCH_LOG_LEVEL")] = "info",
) -> None:
    """Run only the job workers (pushes, syncs, retrains), e.g. beside `serve --no-worker`."""
    from safewatch.server import DEFAULT_PORTS, build_runtimes, run_workers

    configure_logging(log_level)
    runtimes = build_runtimes(_services(services), data_dir=data_dir, ports=DEFAULT_PORTS)
    asyncio.run(run_workers(runtimes))


@app.command()
def migrate(services: ServicesArg = None, data_dir: DataDir = Path("var")) -> None:
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
    services: ServicesArg = None,
    data_dir: DataDir = Path("var"),
    status: Annotated[str, typer.Option(help="pending, done or dead.")] = "dead",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    retry: Annotated[
        int | None, typer.Option(help="Re-queue this dead job (needs one service).")
    ] = None,
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
    if retry is not None and len(chosen) != 1:
        raise typer.BadParameter("--retry needs exactly one service, e.g. `jobs resq --retry 7`")

    async def _show() -> None:
        for runtime in build_runtimes(chosen, data_dir=data_dir, ports=DEFAULT_PORTS):
            await runtime.migrate()
            table = runtime.worker.table
            if retry is not None:
                done = await requeue_dead(runtime.db, table, retry, SystemClock().now())
                console.print(
                    f"{runtime.name}: job {retry} " + ("re-queued" if done else "is not a dead job")
                )
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


@app.command()
def demo(
    resq: Annotated[str, typer.Option(help="ResQ's base URL.")] = "http://127.0.0.1:8000",
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
) -> None:
    """Play a narrated scenario: ResQ's against the running ResQ (start it with `make run`;
    watch the dispatcher console), Halo's and the patterns' on the demo's own Atlas and Halo,
    which it stops and starts (reusing the trained model in the data dir when there is one)."""
    from safewatch.demo.story import CHAPTERS, play

    chosen = [c.strip() for c in chapters.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(CHAPTERS))
    if unknown:
        raise typer.BadParameter(f"unknown chapter {', '.join(unknown)}; use {', '.join(CHAPTERS)}")
    secret = (password or _kept_demo_password(data_dir)) if "resq" in chosen else ""
    models = data_dir / "models"
    done = asyncio.run(
        play(
            resq_url=resq.rstrip("/"),
            password=secret,
            chapters=chosen,
            model_dir=models if models.is_dir() else None,
        )
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
    kept = data_dir / "demo-password.txt"
    if not kept.is_file():
        raise typer.BadParameter(
            f"no {kept}: pass --password or SAFEWATCH_DEMO_PASSWORD, or the --data-dir that "
            "`safewatch serve --demo` uses"
        )
    return kept.read_text().strip()


def _add_service_commands() -> None:
    from safewatch.atlas.cli import app as atlas_app
    from safewatch.detector.cli import detect
    from safewatch.halo.cli import app as halo_app

    app.add_typer(atlas_app, name="atlas")
    app.add_typer(halo_app, name="halo")
    app.command()(detect)


_add_service_commands()


def main() -> None:
    app()
