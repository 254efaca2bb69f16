"""Durable job queue in each service's own database (a transactional outbox).

Enqueue in the caller's transaction; a worker claims due jobs under a lease, runs them outside
any transaction, and retries with exponential backoff and jitter, or dead-letters with a reason.
Delivery is at-least-once: receivers must be idempotent.
"""

from safewatch.core.jobs.periodic import schedule_periodic
from safewatch.core.jobs.queue import (
    Job,
    PermanentJobError,
    RetryLater,
    build_jobs_table,
    enqueue,
    enqueue_many,
)
from safewatch.core.jobs.retention import PURGE_JOBS, JobRetention
from safewatch.core.jobs.worker import JobWorker

__all__ = [
    "PURGE_JOBS",
    "Job",
    "JobRetention",
    "JobWorker",
    "PermanentJobError",
    "RetryLater",
    "build_jobs_table",
    "enqueue",
    "enqueue_many",
    "schedule_periodic",
]
