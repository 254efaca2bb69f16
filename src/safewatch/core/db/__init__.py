"""Database kernel: declarative bases, portable column types, engines and sessions."""

from safewatch.core.db.base import (
    NAMING_CONVENTION,
    TYPE_ANNOTATION_MAP,
    JSONType,
    UTCDateTime,
    table_of,
)
from safewatch.core.db.engine import Database, is_sqlite

__all__ = [
    "NAMING_CONVENTION",
    "TYPE_ANNOTATION_MAP",
    "Database",
    "JSONType",
    "UTCDateTime",
    "is_sqlite",
    "table_of",
]
