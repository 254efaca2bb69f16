"""The failures an Atlas caller may see. Catching `AtlasUnavailableError` is enough to fall back."""

from __future__ import annotations


class AtlasUnavailableError(Exception):
    """Atlas did not give a usable answer in time: refused, timed out, 5xx, garbage, or the client
    is cooling down after repeated failures. `retry_after` says when trying again makes sense."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AtlasRejectedError(AtlasUnavailableError):
    """Atlas answered 4xx: this request will never succeed as sent (bad key, unknown threat,
    invalid body). A subclass, so callers that only fall back need one `except`; durable jobs
    catch it first and give up instead of retrying."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Atlas rejected the request ({status}): {message}")
        self.status = status
        self.reason = message
