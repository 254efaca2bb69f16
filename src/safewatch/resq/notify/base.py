"""The notifier interface: one push to one device (or to the log), and what came of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Outcome = Literal["delivered", "retry", "unregistered", "failed"]


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    collapse_key: str | None = None
    # Who it is for (a username), for the log only: it never leaves ResQ in the push.
    recipient: str = ""


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    status_code: int | None = None
    detail: str = ""
    retry_after: float | None = None


class Notifier(Protocol):
    channel: str
    needs_device: bool  # False: one send per alert, no push token involved

    async def send(self, token: str | None, message: PushMessage) -> PushResult: ...

    async def close(self) -> None: ...


class LogNotifier:
    """The default: writes each alert to the log, for development and campuses without FCM."""

    channel = "log"
    needs_device = False

    def __init__(self) -> None:
        from safewatch.core.logging import get_logger

        self._log = get_logger("safewatch.resq.push")

    async def send(self, token: str | None, message: PushMessage) -> PushResult:
        self._log.info(
            "push", guard=message.recipient, title=message.title, body=message.body, **message.data
        )
        return PushResult("delivered")

    async def close(self) -> None:
        return None
