"""A conversation's messages as the apps send and read them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.requests import RequestModel

MAX_MESSAGE = 1000


class MessageIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=MAX_MESSAGE)


class MessageOut(BaseModel):
    id: int
    sender: str
    sender_role: str
    body: str
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_after: int | None  # pass as ?after= for the next page; None at the end
