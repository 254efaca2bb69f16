"""The baseline: a bare FastAPI endpoint that parses a detection and inserts one row.

It is what the cheapest possible "detection endpoint" costs on this machine with this
database, so ResQ's throughput can be read as a fraction of it. It uses the same request
body model (`DetectionIn`) and the same `Database` class as ResQ, so SQLite gets the same
single pooled connection, WAL, busy timeout and BEGIN IMMEDIATE, and PostgreSQL the same
pool. Nothing else: no middleware, no auth, no rate limit, no logging, no worker.

Run by the bench as `uvicorn bench.baseline_app:app`, configured by one environment variable:
BENCH_BASELINE_DATABASE_URL, an SQLAlchemy async URL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench import BASELINE_DATABASE_ENV
from safewatch.core.db import NAMING_CONVENTION, TYPE_ANNOTATION_MAP, Database
from safewatch.resq.detections.schemas import DetectionIn


class Base(DeclarativeBase):
    """Declared like ResQ's base, so columns get the same types (timezone-aware UTC datetimes)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = TYPE_ANNOTATION_MAP


class BaselineDetection(Base):
    """Roughly an `ai_events` row: the same columns a detection carries."""

    __tablename__ = "bench_baseline_detections"

    id: Mapped[int] = mapped_column(primary_key=True)
    beacon_id: Mapped[str] = mapped_column(String(100))
    confidence_score: Mapped[float]
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


def _database_url() -> str:
    url = os.environ.get(BASELINE_DATABASE_ENV)
    if not url:
        raise RuntimeError(f"Set {BASELINE_DATABASE_ENV} to an SQLAlchemy async database URL")
    return url


db = Database(_database_url())


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # The table lives beside ResQ's tables in the same database; create it if missing.
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await db.dispose()


app = FastAPI(title="bench baseline", lifespan=lifespan, docs_url=None, redoc_url=None)


@app.post("/api/ai/violence-detected/", status_code=201)
async def insert_detection(body: DetectionIn, request: Request) -> JSONResponse:
    # The same path as ResQ's endpoint, so the load generator sends byte-identical requests.
    row = BaselineDetection(
        beacon_id=body.beacon_id,
        confidence_score=body.confidence_score,
        description=body.description,
        source=request.client.host if request.client else "unknown",
        created_at=datetime.now(UTC),
    )
    async with db.transaction() as session:
        session.add(row)
        await session.flush()  # ResQ also flushes to learn the new id; so does the baseline
    return JSONResponse({"status": "inserted", "id": row.id}, status_code=201)


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    """What `wait_ready` polls; the table exists once the lifespan has run."""
    return {"status": "ready"}
