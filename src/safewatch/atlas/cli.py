"""`safewatch atlas ...`: train models, manage the registry and product API keys; import
historical incidents and forecast risk per cell."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.models import jobs
from safewatch.atlas.products import keys as product_keys
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import registry
from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.db.migrations import upgrade
from safewatch.core.errors import AppError
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork

if TYPE_CHECKING:
    from safewatch.atlas.training import pipeline

MIGRATIONS = Path(__file__).parent / "migrations"

app = typer.Typer(
    help="Atlas Intelligence: models, training and product keys.", no_args_is_help=True
)
keys_app = typer.Typer(help="Product API keys (stored hashed, shown once).", no_args_is_help=True)
models_app = typer.Typer(help="The model registry.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(models_app, name="models")
console = Console()
T = TypeVar("T")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="SAFEWATCH_DATA_DIR", help="Where Atlas's data lives."),
]
Product = Annotated[str, typer.Option("--product", help="halo, frontline, sait or resq.")]


def _settings(data_dir: Path) -> AtlasSettings:
    return AtlasSettings.model_validate({"data_dir": data_dir})


@asynccontextmanager
async def _database(settings: AtlasSettings) -> AsyncIterator[Database]:
    db = Database(settings.resolved_database_url())
    try:
        await upgrade(db, MIGRATIONS)
        yield db
    finally:
        await db.dispose()


def _in_transaction(data_dir: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        async with _database(_settings(data_dir)) as db, db.transaction() as session:
            return await work(session)

    return _run(run)


def _in_unit_of_work(data_dir: Path, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """`work` in one unit of work at the system clock's time (no worker here to wake)."""

    async def run() -> T:
        async with (
            _database(_settings(data_dir)) as db,
            UnitsOfWork(db, SystemClock(), jobs).begin() as uow,
        ):
            return await work(uow)

    return _run(run)


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(main())
    except (AppError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def train(
    data_dir: DataDir = Path("var"),
    sample: Annotated[int, typer.Option(help="Train on this many bundled rows (0 = all).")] = 0,
    feedback: Annotated[bool, typer.Option(help="Learn from the products' feedback.")] = True,
    base: Annotated[
        bool,
        typer.Option(
            "--base",
            help="Build the base model that ships with the package instead: bundled data only, "
            "no registry, no feedback; written to --out. Commit the result.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="With --base: where to write the artifact.",
            show_default="data/models/threat-base.npz",
        ),
    ] = None,
) -> None:
    """Train a challenger on the bundled data plus feedback; promote it if it beats the
    champion (no regression on the validation split, better on recent feedback). With --base,
    build the base model that ships with the package instead: run from the repository root,
    it rewrites data/models/threat-base.npz, which a fresh Atlas installs in a second rather
    than training at start-up."""
    if base:
        _build_base(out, sample)
        return
    if out is not None:
        raise typer.BadParameter("--out is for --base only; a challenger goes to the registry")
    # Imported here so `safewatch --help` does not load the ML stack.
    from safewatch.atlas.training import pipeline
    from safewatch.atlas.training.service import training_feedback

    settings = _settings(data_dir)
    clock = SystemClock()

    async def gather() -> tuple[str | None, list[pipeline.FeedbackItem]]:
        async with _database(settings) as db, db.sessions() as session:
            champion = await registry.champion(session)
            items = await training_feedback(session, clock.now()) if feedback else []
            return (champion.artifact if champion else None), items

    champion_artifact, items = asyncio.run(gather())
    version = f"v{clock.now():%Y%m%d-%H%M%S}-cli{secrets.token_hex(2)}"
    request = pipeline.TrainRequest(
        version=version,
        model_dir=str(settings.resolved_model_dir()),
        sample=sample,
        feedback=items,
        champion_artifact=champion_artifact,
    )
    with _progress_bar() as progress:
        outcome = pipeline.train(request, progress)
    promote, reason = pipeline.decide(outcome, settings.promotion_tolerance)

    async def record(session: AsyncSession) -> None:
        await registry.register(
            session,
            version,
            artifact=outcome.artifact,
            metrics=outcome.metrics | {"champion_then": outcome.champion_metrics},
            trained_on=outcome.trained_on,
            note=reason,
            now=clock.now(),
        )
        if promote:
            await registry.promote(session, version, now=clock.now())

    _in_transaction(data_dir, record)
    _print_outcome(version, outcome, promote, reason)


def _build_base(out: Path | None, sample: int) -> None:
    from safewatch.atlas.training import shipped

    out = out or Path("data") / shipped.SHIPPED
    with _progress_bar() as progress:
        outcome = shipped.build(out, sample, progress)
    size = out.stat().st_size / 1e6
    f1 = outcome.metrics["validation_macro_f1"]
    console.print(f"{out}: base model, {size:.1f} MB, validation macro-F1 {f1}", soft_wrap=True)


@contextmanager
def _progress_bar() -> Iterator[pipeline.Progress]:
    with Progress(
        TextColumn("{task.description:<14}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("training", total=1.0)
        yield lambda stage, done: bar.update(task, description=stage, completed=done)


def _print_outcome(
    version: str, outcome: pipeline.TrainOutcome, promote: bool, reason: str
) -> None:
    console.print(f"{version}: {'promoted' if promote else 'not promoted'} ({reason})")
    table = Table()
    table.add_column("measure")
    table.add_column("challenger", justify="right")
    table.add_column("champion", justify="right")
    old = outcome.champion_metrics or {}
    for key in ("validation_macro_f1", "feedback_accuracy", "feedback_judged"):
        table.add_row(key, str(outcome.metrics.get(key)), str(old.get(key, "-")))
    console.print(table)


@models_app.command("list")
def list_models(data_dir: DataDir = Path("var")) -> None:
    """Every version with its status and validation macro-F1."""
    rows = _in_transaction(data_dir, registry.versions)
    table = Table()
    for column in ("version", "status", "macro-F1", "created"):
        table.add_column(column, no_wrap=True)
    table.add_column("note")
    for r in rows:
        f1 = r.metrics.get("validation_macro_f1")
        table.add_row(r.version, r.status, f"{f1}", f"{r.created_at:%Y-%m-%d %H:%M}", r.note)
    console.print(table)


@models_app.command()
def promote(version: str, data_dir: DataDir = Path("var")) -> None:
    """Serve VERSION from now on (every Atlas process picks it up within a minute)."""
    now = SystemClock().now()
    _in_transaction(data_dir, lambda s: registry.promote(s, version, now=now))
    console.print(f"{version} is the champion")


@models_app.command()
def rollback(version: str, data_dir: DataDir = Path("var")) -> None:
    """Go back to VERSION, a model that served before."""
    now = SystemClock().now()
    _in_transaction(data_dir, lambda s: registry.rollback(s, version, now=now))
    console.print(f"rolled back to {version}")


@keys_app.command()
def create(
    product: Product,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    data_dir: DataDir = Path("var"),
) -> None:
    """Make a key for a product; it is printed once and stored only as a hash."""
    now = SystemClock().now()
    key, key_id = _in_transaction(
        data_dir, lambda s: product_keys.create_key(s, product, label=label, now=now)
    )
    console.print(f"key {key_id} for {product} (shown once, keep it secret):")
    typer.echo(key.secret)


@keys_app.command("list")
def list_keys(
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    data_dir: DataDir = Path("var"),
) -> None:
    """Keys made with `create` (environment keys are not listed)."""
    rows = _in_transaction(data_dir, lambda s: product_keys.list_keys(s, product))
    table = Table()
    for column in ("id", "product", "prefix", "label", "created", "revoked"):
        table.add_column(column)
    for k in rows:
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        table.add_row(
            str(k.id), k.product, k.prefix + "…", k.label, f"{k.created_at:%Y-%m-%d %H:%M}", revoked
        )
    console.print(table)


@keys_app.command()
def revoke(key_id: int, product: Product, data_dir: DataDir = Path("var")) -> None:
    """Revoke one of a product's keys by its id (see `keys list`)."""
    now = SystemClock().now()
    done = _in_transaction(data_dir, lambda s: product_keys.revoke_key(s, product, key_id, now=now))
    if not done:
        console.print(f"[red]{product} has no live key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"key {key_id} of {product} revoked")


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV (or .csv.gz) of incidents.")
    ],
    product: Product,
    data_dir: DataDir = Path("var"),
    show_bad: Annotated[int, typer.Option(help="Print at most this many bad rows.")] = 20,
    shift_to_now: Annotated[
        bool,
        typer.Option(
            "--shift-to-now",
            help="Move every row forward so the newest is now: a historical file as recent "
            "activity, for demos (patterns look at the last 7 and 30 days).",
        ),
    ] = False,
) -> None:
    """Load historical incidents (columns occurred_at, lat, lon, category; optional id and
    source_label) as PRODUCT's threats, in one transaction. Bad rows are reported with their
    line numbers and skipped; rows already imported (same id) are skipped; a pattern run is
    queued."""
    import time
    from datetime import timedelta

    from safewatch.atlas.patterns.importer import import_points
    from safewatch.atlas.patterns.points import (
        BadRow,
        PointsFileError,
        newest_time,
        read_points,
        shifted,
        text_of,
    )
    from safewatch.atlas.settings import PRODUCTS

    if product not in PRODUCTS:
        console.print(f"[red]--product must be one of {', '.join(PRODUCTS)}[/red]")
        raise typer.Exit(2)
    bad: list[BadRow] = []
    started = time.perf_counter()

    async def run(uow: UnitOfWork) -> int:
        newest = newest_time(file) if shift_to_now else None
        shift = uow.now - newest if newest else timedelta(0)
        with (
            file.open("rb") as raw,
            text_of(raw) as text,  # closed here, after the last progress update reads raw
            _bytes_progress(file.stat().st_size) as (bar, task),
        ):
            return await import_points(
                uow,
                product,
                shifted(read_points(text, bad.append), shift),
                on_batch=lambda _: bar.update(task, completed=raw.tell()),
            )

    try:
        read = _in_unit_of_work(data_dir, run)
    except (PointsFileError, OSError, EOFError, UnicodeDecodeError) as exc:
        console.print(f"[red]{file}: {exc}; nothing was imported[/red]")
        raise typer.Exit(1) from exc
    seconds = time.perf_counter() - started
    for row in bad[:show_bad]:
        console.print(f"[yellow]line {row.line}: {row.reason}[/yellow]")
    if len(bad) > show_bad:
        console.print(f"[yellow]... and {len(bad) - show_bad} more bad rows[/yellow]")
    console.print(
        f"{read} rows imported for {product} in {seconds:.1f} s ({read / seconds:,.0f} rows/s); "
        f"{len(bad)} bad rows skipped"
    )


@contextmanager
def _bytes_progress(total: int) -> Iterator[tuple[Progress, TaskID]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        yield bar, bar.add_task("importing", total=total)


@app.command()
def forecast(
    points: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV (or .csv.gz) of incidents.")
    ],
    at: Annotated[
        datetime, typer.Option("--at", help="Forecast from this time; only earlier rows are used.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write id,score.")],
    horizon: Annotated[str, typer.Option(help="How far ahead, in days, e.g. 7d.")] = "7d",
    cells: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="CSV id,lat,lon of cell centres (default: 150 m grid).",
        ),
    ] = None,
    categories: Annotated[
        str | None, typer.Option(help="Only these categories, e.g. violence,weapons,robbery.")
    ] = None,
) -> None:
    """Score cells by risk for the HORIZON after --at, using only the rows of POINTS before it
    (recency-weighted counts over 3 years, 365-day half-life, a fifth of the 8 neighbours' and
    of the other categories' activity)."""
    import csv

    import numpy as np

    from safewatch.atlas.patterns.forecast import (
        Model,
        Scorer,
        default_grid,
        forecast,
        read_cells,
    )
    from safewatch.atlas.patterns.points import load_arrays

    days = _days(horizon)
    when = at if at.tzinfo else at.replace(tzinfo=UTC)
    wanted = {c.strip().lower() for c in categories.split(",")} if categories else None
    arrays, bad = load_arrays(points)
    before = arrays.t < when.timestamp()
    mine = before & (np.isin(arrays.category, list(wanted)) if wanted else True)
    if not mine.any():
        console.print(f"[red]{points} has no such rows before {when:%Y-%m-%d %H:%M}[/red]")
        raise typer.Exit(1)
    lat, lon, t = arrays.lat[mine], arrays.lon[mine], arrays.t[mine]
    try:
        grid = read_cells(cells) if cells else default_grid(lat, lon)
    except ValueError as exc:
        console.print(f"[red]{cells}: {exc}[/red]")
        raise typer.Exit(1) from exc
    others = before & ~mine
    other = (
        Scorer(grid, arrays.lat[others], arrays.lon[others], arrays.t[others])
        if others.any()
        else None
    )
    scores = forecast(Scorer(grid, lat, lon, t), other, when.timestamp(), days, Model())
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "score"])
        writer.writerows((i, f"{s:.6g}") for i, s in zip(grid.ids.tolist(), scores, strict=True))
    console.print(
        f"{len(grid):,} cells scored from {int(mine.sum()):,} rows before {when:%Y-%m-%d} "
        f"({bad} bad rows skipped) -> {out}"
    )


def _days(horizon: str) -> float:
    text = horizon.strip().lower().removesuffix("d")
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not 0 < days <= 366:
        console.print(f"[red]--horizon {horizon!r}: send days such as 7d or 30d[/red]")
        raise typer.Exit(2)
    return days
