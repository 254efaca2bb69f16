"""Incident point files (CSV, optionally gzip): `occurred_at,lat,lon,category` plus optional
`id` and `source_label` columns, as in shared/data/incident_points_*. Rows are checked one by
one; a bad row is reported with its line number and skipped, never half-read."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from safewatch.contracts.taxonomy import CATEGORIES

REQUIRED = ("occurred_at", "lat", "lon", "category")
OPTIONAL = ("id", "source_label")
_KNOWN = frozenset(CATEGORIES)


class PointsFileError(Exception):
    """The file as a whole cannot be read (missing columns, not CSV)."""


@dataclass(frozen=True)
class Point:
    line: int
    id: str
    occurred_at: datetime
    lat: float
    lon: float
    category: str
    label: str


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def open_text(path: Path) -> IO[str]:
    return text_of(path.open("rb"))


def text_of(raw: BinaryIO) -> IO[str]:
    """UTF-8 text from a binary file, gunzipped when it starts with the gzip magic."""
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", newline="")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def read_points(stream: IO[str], on_bad: Callable[[BadRow], None]) -> Iterator[Point]:
    """Good rows in file order; each bad one goes to `on_bad` with its line number."""
    reader = csv.reader(stream)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise PointsFileError(
            f"the header lacks {', '.join(missing)}: send a CSV with columns "
            f"{','.join(REQUIRED)} (id and source_label are optional)"
        )
    at = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    width = max(at.values()) + 1
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        try:
            if len(row) < width:
                raise ValueError(f"{len(row)} columns where the header has {len(header)}")
            yield _point(row, at, line)
        except ValueError as exc:
            on_bad(BadRow(line, str(exc)))


def _point(row: list[str], at: dict[str, int], line: int) -> Point:
    raw_time = row[at["occurred_at"]].strip()
    try:
        occurred = datetime.fromisoformat(raw_time)
    except ValueError:
        raise ValueError(f"occurred_at {raw_time!r} is not an ISO 8601 time") from None
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    lat, lon = _number(row[at["lat"]], "lat", 90), _number(row[at["lon"]], "lon", 180)
    category = row[at["category"]].strip().lower()
    if category not in _KNOWN:
        raise ValueError(f"category {category!r} is not in the taxonomy")
    ident = row[at["id"]].strip() if "id" in at else ""
    label = row[at["source_label"]].strip() if "source_label" in at else ""
    return Point(line, ident or f"line-{line}", occurred.astimezone(UTC), lat, lon, category, label)


def _number(text: str, name: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text.strip()!r} is not a number") from None
    if not -limit <= value <= limit:
        raise ValueError(f"{name} {value} is outside -{limit:g}..{limit:g}")
    return value


@dataclass
class PointArrays:
    t: np.ndarray  # epoch seconds
    lat: np.ndarray
    lon: np.ndarray
    category: np.ndarray


def load_arrays(path: Path, categories: set[str] | None = None) -> tuple[PointArrays, int]:
    """All good rows of a file as arrays (optionally only some categories), and the bad count."""
    bad: list[BadRow] = []
    t, lat, lon, cat = [], [], [], []
    with open_text(path) as stream:
        for p in read_points(stream, bad.append):
            if categories and p.category not in categories:
                continue
            t.append(p.occurred_at.timestamp())
            lat.append(p.lat)
            lon.append(p.lon)
            cat.append(p.category)
    arrays = PointArrays(np.array(t), np.array(lat), np.array(lon), np.array(cat, dtype=object))
    return arrays, len(bad)


def newest_time(path: Path) -> datetime | None:
    """The latest occurred_at among a file's good rows (None when it has none)."""
    with open_text(path) as stream:
        return max((p.occurred_at for p in read_points(stream, lambda _: None)), default=None)


def shifted(points: Iterable[Point], by: timedelta) -> Iterator[Point]:
    """The same rows, `by` later: historical points replayed as if recent, for a demo."""
    for point in points:
        yield replace(point, occurred_at=point.occurred_at + by)
