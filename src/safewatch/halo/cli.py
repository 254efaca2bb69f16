"""`safewatch halo ...`: Halo's users (reporters and validators)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.db.migrations import upgrade
from safewatch.core.errors import AppError
from safewatch.halo.auth.service import add_user
from safewatch.halo.models import ROLES, User
from safewatch.halo.settings import HaloSettings

MIGRATIONS = Path(__file__).parent / "migrations"
app = typer.Typer(help="Halo: public incident reporting.", no_args_is_help=True)
users_app = typer.Typer(help="Reporters and validators who sign in.", no_args_is_help=True)
app.add_typer(users_app, name="users")
console = Console()
T = TypeVar("T")
DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="SAFEWATCH_DATA_DIR", help="Where Halo's data lives."),
]


def _in_transaction(data_dir: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        settings = HaloSettings.model_validate({"data_dir": data_dir})
        db = Database(settings.resolved_database_url())
        try:
            await upgrade(db, MIGRATIONS)
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except (AppError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@users_app.command("add")
def add(
    username: str,
    full_name: Annotated[str, typer.Option(help="Scrubbed from every text sent to Atlas.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "reporter",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="HALO_USER_PASSWORD",
            help="Asked for when not given (or set HALO_USER_PASSWORD).",
        ),
    ] = "",
    data_dir: DataDir = Path("var"),
) -> None:
    """Add a user who signs in at POST /api/auth/token/."""
    if len(password) < 10:
        console.print("[red]Use a password of at least 10 characters[/red]")
        raise typer.Exit(1)
    now = SystemClock().now()
    user = _in_transaction(
        data_dir, lambda s: add_user(s, username, full_name.strip(), role, password, now)
    )
    console.print(f"{user.role} {user.username} added (id {user.id})")


@users_app.command("list")
def list_users(data_dir: DataDir = Path("var")) -> None:
    """Every Halo user with their role."""

    async def users(session: AsyncSession) -> list[User]:
        return list(await session.scalars(select(User).order_by(User.id)))

    table = Table()
    for column in ("id", "username", "full name", "role", "added"):
        table.add_column(column)
    for user in _in_transaction(data_dir, users):
        table.add_row(
            str(user.id), user.username, user.full_name, user.role, f"{user.created_at:%Y-%m-%d}"
        )
    console.print(table)
