"""GET/POST /api/incidents/{id}/messages/: the student, the assigned guard and dispatchers talk
(auth: those participants; anyone else gets 404)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.core.events import publish_after_commit
from safewatch.core.requests import MAX_ROW_ID, RequestModel
from safewatch.resq.deps import ResqContext, current_user, get_context
from safewatch.resq.models import (
    Guard,
    GuardAssignment,
    Incident,
    IncidentReporter,
    Message,
    User,
)
from safewatch.resq.realtime.audience import message_event

router = APIRouter(prefix="/api/incidents", tags=["chat"])
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


async def participants(session: AsyncSession, incident_id: uuid.UUID) -> set[int]:
    """User ids in the conversation (dispatchers take part by role, not by id)."""
    students = (
        (
            await session.execute(
                select(IncidentReporter.user_id).where(IncidentReporter.incident_id == incident_id)
            )
        )
        .scalars()
        .all()
    )
    guard = (
        (
            await session.execute(
                select(Guard.user_id)
                .join(GuardAssignment, GuardAssignment.guard_id == Guard.id)
                .where(GuardAssignment.incident_id == incident_id)
            )
        )
        .scalars()
        .all()
    )
    return {*students, *guard}


async def _check(session: AsyncSession, user: Principal, incident_id: uuid.UUID) -> set[int]:
    members = await participants(session, incident_id)
    if user.role != "dispatcher" and user.user_id not in members:
        raise NotFound(f"Incident {incident_id} not found")
    if user.role == "dispatcher" and await session.get(Incident, incident_id) is None:
        raise NotFound(f"Incident {incident_id} not found")
    return members


@router.get(
    "/{incident_id}/messages/",
    response_model=MessagePage,
    summary="The conversation, oldest first (auth: participants)",
)
async def messages(
    incident_id: uuid.UUID,
    after: int = Query(0, ge=0, le=MAX_ROW_ID, description="Only messages with a larger id"),
    limit: int = Query(50, ge=1, le=100),
    user: Principal = Depends(current_user),
    ctx: ResqContext = Depends(get_context),
) -> MessagePage:
    async with ctx.db.transaction() as session:
        await _check(session, user, incident_id)
        rows = (
            await session.execute(
                select(Message, User.display_name, User.role)
                .join(User, User.id == Message.sender_user_id)
                .where(Message.incident_id == incident_id, Message.id > after)
                .order_by(Message.id)
                .limit(limit + 1)
            )
        ).all()
    items = [
        MessageOut(id=m.id, sender=name, sender_role=role, body=m.body, created_at=m.created_at)
        for m, name, role in rows[:limit]
    ]
    return MessagePage(items=items, next_after=items[-1].id if len(rows) > limit else None)


@router.post(
    "/{incident_id}/messages/",
    response_model=MessageOut,
    status_code=201,
    summary="Send a message (auth: participants)",
)
async def send(
    incident_id: uuid.UUID,
    body: MessageIn,
    user: Principal = Depends(current_user),
    ctx: ResqContext = Depends(get_context),
) -> MessageOut:
    async with ctx.db.transaction() as session:
        members = await _check(session, user, incident_id)
        message = Message(
            incident_id=incident_id,
            sender_user_id=user.user_id,
            body=body.body,
            created_at=ctx.clock.now(),
        )
        session.add(message)
        await session.flush()
        sender = await session.get(User, user.user_id)
        assert sender is not None
        out = MessageOut(
            id=message.id,
            sender=sender.display_name,
            sender_role=user.role,
            body=message.body,
            created_at=message.created_at,
        )
        publish_after_commit(
            session, message_event(incident_id, out.model_dump(mode="json"), members)
        )
        return out
