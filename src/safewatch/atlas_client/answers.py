"""Reading Atlas's answers: at most `limit` bytes, JSON, and the parts a caller relies on (a 2xx
without them is garbage; the rest of the answer passes through untouched)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError, field_validator

from safewatch.contracts.taxonomy import CATEGORIES
from safewatch.contracts.threats import Classification


class UnusableAnswer(ValueError):
    """An answer no caller may use: too large, not JSON, or not the API's shape."""


class ClassifyAnswer(BaseModel):
    """The part of Atlas's classify answer a caller relies on (the rest passes through)."""

    threat_id: uuid.UUID
    classification: Classification

    @field_validator("classification")
    @classmethod
    def _known_category(cls, value: Classification) -> Classification:
        # A category outside the shared taxonomy would be stored and shown as a verdict.
        if value.threat_category not in CATEGORIES:
            raise ValueError(f"unknown threat category {value.threat_category!r}")
        return value


class PatternsAnswer(BaseModel):
    patterns: list[dict[str, Any]]


class MediaAnswer(BaseModel):
    objects: list[Any]


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The (decoded) body, refused as soon as it passes `limit` bytes: a runaway or hostile
    answer must not fill the caller's memory, whatever its Content-Length says."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UnusableAnswer(f"Atlas's answer is {declared} bytes, over the {limit} byte limit")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise UnusableAnswer(f"Atlas's answer is over the {limit} byte limit")
    return bytes(body)


def parse_answer(body: bytes, answer: type[BaseModel] | None) -> Any:
    """The JSON of a 2xx answer, checked against `answer`; the reason when it is unusable."""
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise UnusableAnswer("Atlas's answer is not JSON") from exc
    if answer is not None:
        try:
            answer.model_validate(parsed)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "answer"
            raise UnusableAnswer(
                f"Atlas's answer is not its API's: {where}: {first['msg']}"
            ) from exc
    return parsed


def error_message(body: bytes) -> str:
    """Atlas's error envelope message, else the start of the body."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", "replace")
    if isinstance(error, dict):
        return str(error.get("message", error))[:500]
    return str(error)[:500]
