"""The attempts of one call: each gets its share of what is left of the deadline; another
follows, after a backoff, only while one might still pass."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx

from safewatch.atlas_client.answers import (
    Answer,
    UnusableAnswer,
    error_message,
    parse_answer,
    read_body,
)
from safewatch.atlas_client.errors import AtlasRejectedError, AtlasUnavailableError
from safewatch.atlas_client.settings import AtlasClientSettings


class _Retryable(Exception):
    """One attempt failed in a way another attempt might not."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    send: dict[str, Any]  # httpx's json, params, files and data


async def run_attempts(
    http: httpx.AsyncClient,
    settings: AtlasClientSettings,
    request: Request,
    attempts: int,
    ends_at: float,
    answer: type[Answer],
) -> Answer:
    for attempt in range(1, attempts + 1):
        # Split what is left between the attempts left, so one hung connection cannot
        # eat the whole budget.
        left = ends_at - time.perf_counter()
        per_attempt = max(0.001, left / (attempts - attempt + 1))
        try:
            return await _attempt(http, settings.max_answer_bytes, request, per_attempt, answer)
        except _Retryable as exc:
            if attempt == attempts:
                raise AtlasUnavailableError(str(exc)) from exc
            pause = settings.backoff_seconds * 2 ** (attempt - 1)
            pause = pause / 2 + random.uniform(0, pause / 2)
            if time.perf_counter() + pause >= ends_at:
                raise AtlasUnavailableError(str(exc)) from exc
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


async def _attempt(
    http: httpx.AsyncClient, limit: int, request: Request, seconds: float, answer: type[Answer]
) -> Answer:
    try:
        async with http.stream(
            request.method, request.path, headers=request.headers, timeout=seconds, **request.send
        ) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(f"Atlas answered {response.status_code}")
            body = await read_body(response, limit)
    except httpx.TimeoutException as exc:
        raise _Retryable(f"Atlas gave no answer within {seconds:.3f} s") from exc
    except httpx.TransportError as exc:
        raise _Retryable(f"Atlas unreachable: {type(exc).__name__}") from exc
    except UnusableAnswer as exc:
        raise _Retryable(str(exc)) from exc
    if response.status_code >= 400:
        raise AtlasRejectedError(response.status_code, error_message(body))
    try:
        return parse_answer(body, answer)
    except UnusableAnswer as exc:
        raise _Retryable(str(exc)) from exc
