"""Historical incidents into the threat store: one transaction, re-runs skip what is there."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from itertools import islice

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from safewatch.atlas.models import Threat
from safewatch.atlas.patterns.jobs import request_patterns
from safewatch.atlas.patterns.points import Point
from safewatch.contracts.taxonomy import CATEGORIES, describe
from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.core.unit_of_work import UnitOfWork

BATCH = 5000
STAGING = "threats_import"
SQLITE_CACHE_KIB = 256 * 1024
MODEL_VERSION = "import"


@lru_cache(maxsize=4096)
def _labelled(category: str, label: str) -> tuple[str, int, str, str]:
    c = describe(category, label, confidence=1.0)
    m = c.product_mappings
    return c.threat_subcategory, c.severity, m.halo_incident_type, m.polisen_type


@lru_cache(maxsize=len(CATEGORIES))
def _one_hot(category: str) -> list[float]:
    return [1.0 if c == category else 0.0 for c in CATEGORIES]


def threat_row(product: str, point: Point, now: datetime) -> dict[str, object]:
    sub, severity, halo_type, polisen_type = _labelled(point.category, point.label)
    key = f"import:{point.id}"
    digest = f"{point.occurred_at.isoformat()}|{point.lat}|{point.lon}|{point.category}"
    return {
        "id": uuid.uuid4(),
        "product": product,
        "text": point.label,
        "category": point.category,
        "subcategory": sub,
        "severity": severity,
        "confidence": 1.0,
        "halo_incident_type": halo_type,
        "polisen_type": polisen_type,
        "scores": _one_hot(point.category),
        "latitude": point.lat,
        "longitude": point.lon,
        "occurred_at": point.occurred_at,
        "model_version": MODEL_VERSION,
        "incident_type": None,
        "reference": point.id[:120],
        "idempotency_key": key[:120],
        "request_hash": hashlib.sha256(digest.encode()).hexdigest(),
        "created_at": now,
    }


async def import_points(
    uow: UnitOfWork,
    product: str,
    points: Iterable[Point],
    on_batch: Callable[[int], None] = lambda n: None,
) -> int:
    """Insert every point as a threat of `product` (imported at `uow.now`); rows already
    imported (same product and id) are skipped. Returns the rows read. Queues a pattern run in
    the same unit of work."""
    session, now = uow.session, uow.now
    encoder = _Encoder(session)
    connection = await session.connection()
    copy = await _copier(connection, encoder.order) if encoder.postgres else None
    if not encoder.postgres:
        # Random keys (ids, idempotency keys) touch index pages all over: with SQLite's 2 MB
        # default page cache a second million rows ran at a third of the first's speed.
        await connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    read = 0
    for batch in _batches(points):
        rows = [encoder.encode(threat_row(product, p, now)) for p in batch]
        if copy is not None:
            await copy(rows)
        else:
            await connection.exec_driver_sql(encoder.sql, rows)  # type: ignore[arg-type]
        read += len(rows)
        on_batch(len(rows))
    if copy is not None:
        await connection.exec_driver_sql(
            f"INSERT INTO threats SELECT * FROM {STAGING} "
            "ON CONFLICT (product, idempotency_key) DO NOTHING"
        )
    await request_patterns(uow, "import", f"import:{uuid.uuid4().hex}")
    return read


async def _copier(
    connection: AsyncConnection, columns: list[str]
) -> Callable[[list[tuple[object, ...]]], Awaitable[None]]:
    """PostgreSQL: COPY into a staging table dropped at commit (COPY has no ON CONFLICT; the
    final INSERT .. SELECT skips rows already there). 2-3x an executemany."""
    await connection.exec_driver_sql(
        f"CREATE TEMP TABLE {STAGING} (LIKE threats INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None

    async def copy(rows: list[tuple[object, ...]]) -> None:
        await driver.copy_records_to_table(STAGING, records=rows, columns=columns)

    return copy


class _Encoder:
    """The INSERT .. ON CONFLICT DO NOTHING compiled once for the session's database, and each
    row's values turned into driver values by the columns' own types. Values that repeat (the
    category's scores, the labels, the time of import) are converted once: an ORM or Core
    executemany spends most of an import converting the same values again."""

    REPEATING = frozenset(
        ("product", "text", "category", "subcategory", "severity", "confidence", "scores")
    ) | frozenset(("halo_incident_type", "polisen_type", "model_version", "created_at"))

    def __init__(self, session: AsyncSession) -> None:
        dialect = session.get_bind().dialect
        table = table_of(Threat)
        statement = (
            insert_for(session, table)
            .values({c.name: bindparam(c.name) for c in table.c})
            .on_conflict_do_nothing(index_elements=["product", "idempotency_key"])
        )
        compiled = statement.compile(dialect=dialect)
        self.postgres = dialect.name == "postgresql"
        self.sql = str(compiled)
        self.order = list(compiled.positiontup or [])
        self.convert = {
            c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.c
        }
        self.seen: dict[tuple[str, object], object] = {}

    def encode(self, row: dict[str, object]) -> tuple[object, ...]:
        return tuple(self._value(name, row[name]) for name in self.order)

    def _value(self, name: str, value: object) -> object:
        convert = self.convert[name]
        if convert is None or value is None:
            return value
        if name not in self.REPEATING:
            return convert(value)
        key = (name, id(value) if isinstance(value, list) else value)
        if key not in self.seen:
            self.seen[key] = convert(value)
        return self.seen[key]


def _batches(points: Iterable[Point]) -> Iterator[list[Point]]:
    iterator = iter(points)
    while batch := list(islice(iterator, BATCH)):
        yield batch
