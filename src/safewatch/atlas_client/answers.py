"""Atlas's wire types on the client's side: bodies checked before they leave, answers read up to
`limit` bytes and read into `contracts.atlas` models (a 2xx that is not one is garbage)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from safewatch.atlas_client.errors import AtlasRejectedError

Answer = TypeVar("Answer", bound=BaseModel)


class UnusableAnswer(ValueError):
    """An answer no caller may use: too large, not JSON, or not the API's shape."""


def request_body(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` as the request model's JSON. A body Atlas would refuse is refused here, as
    Atlas would (422), without spending a call on it."""
    try:
        return model.model_validate(fields).model_dump(mode="json")
    except ValidationError as exc:
        raise AtlasRejectedError(422, _first_error(exc)) from exc


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


def parse_answer(body: bytes, answer: type[Answer]) -> Answer:
    """A 2xx answer as its wire model; the reason when it is unusable."""
    try:
        return answer.model_validate_json(body)
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise UnusableAnswer("Atlas's answer is not JSON") from exc
        raise UnusableAnswer(f"Atlas's answer is not its API's: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def error_message(body: bytes) -> str:
    """Atlas's error envelope message, else the start of the body."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", "replace")
    if isinstance(error, dict):
        return str(error.get("message", error))[:500]
    return str(error)[:500]
