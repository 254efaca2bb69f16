"""Sign-in throttling kept in the service's database, so every process on it counts together.

A fixed window per key (one for the username, one for the client address): each attempt takes
a slot with one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` before the password is checked,
so concurrent attempts in several processes never get more guesses than the limit. A successful
sign-in gives back only its own slot: it never clears the failures others piled up, so an
attacker's own good password does not buy more guesses at someone else's. Keys are stored as
SHA-256: people type passwords into the username field.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import Database
from safewatch.core.db.dialect import insert_for
from safewatch.core.errors import TooManyRequests


def build_login_attempts_table(metadata: MetaData) -> Table:
    """Each service with users keeps its counters in its own database (like its jobs)."""
    return Table(
        "login_attempts",
        metadata,
        Column("key_hash", String(64), primary_key=True),
        Column("window_start", BigInteger, nullable=False),  # Unix seconds
        Column("attempts", Integer, nullable=False),
        Index("ix_login_attempts_window_start", "window_start"),
    )


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_address: int
    window_seconds: int


@dataclass(frozen=True)
class Admission:
    """The slots one attempt took; `release` them when the password was right."""

    keys: tuple[str, ...]
    window_start: int


class LoginThrottle:
    def __init__(self, table: Table, limits: ThrottleLimits) -> None:
        self.table = table
        self.limits = limits

    async def admit(self, db: Database, username: str, address: str, now: datetime) -> Admission:
        """Take a slot for the username and one for the address, or raise 429 with
        Retry-After when either is used up in this window (unknown usernames alike)."""
        seconds = int(now.timestamp())
        window = self.limits.window_seconds
        start = seconds - seconds % window
        limits = {
            _key("account", username): self.limits.per_account,
            _key("address", address): self.limits.per_address,
        }
        async with db.transaction() as session:
            await self._forget_before(session, start)
            counts = [await self._take(session, key, start) for key in limits]
        admission = Admission(tuple(limits), start)
        if any(count > limit for count, limit in zip(counts, limits.values(), strict=True)):
            wait = max(1, math.ceil(start + window - now.timestamp()))
            raise TooManyRequests(
                f"Too many sign-in attempts for this account or from this address: "
                f"try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        return admission

    async def release(self, db: Database, admission: Admission) -> None:
        table = self.table
        async with db.transaction() as session:
            await session.execute(
                sql_update(table)
                .where(
                    table.c.key_hash.in_(admission.keys),
                    table.c.window_start == admission.window_start,
                    table.c.attempts > 0,
                )
                .values(attempts=table.c.attempts - 1)
            )

    async def _forget_before(self, session: AsyncSession, start: int) -> None:
        """Delete some rows of ended windows (names tried once stay no longer); rows another
        attempt is deleting are skipped, so attempts never wait on each other here."""
        table = self.table
        ended = (
            select(table.c.key_hash)
            .where(table.c.window_start < start)
            .limit(100)
            .with_for_update(skip_locked=True)  # SQLite has one writer: nothing to skip
        )
        await session.execute(delete(table).where(table.c.key_hash.in_(ended.scalar_subquery())))

    async def _take(self, session: AsyncSession, key: str, start: int) -> int:
        table = self.table
        statement = insert_for(session, table).values(key_hash=key, window_start=start, attempts=1)
        same_window = table.c.window_start == statement.excluded.window_start
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key_hash],
            set_={
                "attempts": case((same_window, table.c.attempts + 1), else_=1),
                "window_start": statement.excluded.window_start,
            },
        ).returning(table.c.attempts)
        return int((await session.execute(statement)).scalar_one())


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
