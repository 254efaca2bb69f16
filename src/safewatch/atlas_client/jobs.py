"""Atlas's failures as durable-job outcomes, for every job that calls Atlas."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from safewatch.atlas_client.errors import AtlasRejectedError, AtlasUnavailableError
from safewatch.core.jobs import PermanentJobError, RetryLater


@contextmanager
def atlas_job_errors() -> Iterator[None]:
    """A 4xx will fail however often it is sent: dead-letter the job with Atlas's reason.
    Anything else may pass later: retry, no sooner than Atlas's cooldown allows."""
    try:
        yield
    except AtlasRejectedError as exc:
        raise PermanentJobError(str(exc)) from exc
    except AtlasUnavailableError as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
