"""Halo's tables."""

from safewatch.core.db import make_base
from safewatch.core.jobs import build_jobs_table

Base = make_base()
jobs = build_jobs_table(Base.metadata)

__all__ = ["Base", "jobs"]
