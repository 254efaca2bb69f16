"""structlog set-up: readable console logs in a terminal, JSON otherwise, secrets redacted."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_SECRET_KEYS = (
    "authorization",
    "token",
    "password",
    "secret",
    "api_key",
    "api-key",
    "private_key",
)


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if any(marker in key.lower() for marker in _SECRET_KEYS):
            event[key] = "[redacted]"
    return event


def _add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = request_id_var.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


def wants_json() -> bool:
    """SAFEWATCH_LOG_FORMAT=json or console; otherwise readable lines on a terminal and JSON
    where a machine reads them (a pipe, a file, a container log)."""
    chosen = os.environ.get("SAFEWATCH_LOG_FORMAT", "auto").strip().lower()
    if chosen in ("json", "console"):
        return chosen == "json"
    return not sys.stderr.isatty()


def configure_logging(level: str = "info", json: bool | None = None) -> None:
    if json is None:
        json = wants_json()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_request_id,
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        # Resolve sys.stderr at each use, so a replaced stream (tests, daemons) is honoured.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
