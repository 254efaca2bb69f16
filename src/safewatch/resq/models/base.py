from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from safewatch.core.auth.throttle import build_login_attempts_table
from safewatch.core.db import NAMING_CONVENTION, TYPE_ANNOTATION_MAP
from safewatch.core.jobs import build_jobs_table


class Base(DeclarativeBase):
    """ResQ's own metadata: its tables, its migrations, nobody else's."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = TYPE_ANNOTATION_MAP


jobs = build_jobs_table(Base.metadata)
login_attempts = build_login_attempts_table(Base.metadata)
