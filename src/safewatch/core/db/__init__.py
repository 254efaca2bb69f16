"""Database kernel: declarative bases, portable column types, engines and sessions."""

from safewatch.core.db.base import JSONType, UTCDateTime, make_base
from safewatch.core.db.engine import Database, is_sqlite

__all__ = ["Database", "JSONType", "UTCDateTime", "is_sqlite", "make_base"]
