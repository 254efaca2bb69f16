"""Halo's tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from safewatch.core.db import NAMING_CONVENTION, TYPE_ANNOTATION_MAP
from safewatch.core.jobs import build_jobs_table


class Base(DeclarativeBase):
    """Halo's own metadata: its tables, its migrations, nobody else's."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = TYPE_ANNOTATION_MAP


jobs = build_jobs_table(Base.metadata)

__all__ = ["Base", "jobs"]
