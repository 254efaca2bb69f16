"""Why an upload was refused, each with the status and a message saying what to send."""

from __future__ import annotations

import time

from safewatch.core.errors import AppError


class MediaTooLarge(AppError):
    status = 413
    code = "media_too_large"


class UnsupportedMedia(AppError):
    status = 415
    code = "unsupported_media"


class BadMedia(AppError):
    status = 422
    code = "bad_media"


class TimeLimitExceeded(AppError):
    status = 422
    code = "analysis_time_limit"


class Deadline:
    """The wall-time budget of one file; long loops check it between steps."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise TimeLimitExceeded(
                f"Analysis took longer than {self.seconds:g} s; send a shorter clip or a "
                "smaller file"
            )
