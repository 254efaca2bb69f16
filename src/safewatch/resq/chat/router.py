"""GET/POST /api/incidents/{id}/messages/: the student, the assigned guard and dispatchers talk
(auth: those participants; anyone else gets 404)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query

from safewatch.core.auth import Principal
from safewatch.core.requests import MAX_ROW_ID
from safewatch.resq.chat import service
from safewatch.resq.chat.schemas import MessageIn, MessageOut, MessagePage
from safewatch.resq.deps import Work, current_user

router = APIRouter(prefix="/api/incidents", tags=["chat"])


@router.get(
    "/{incident_id}/messages/",
    response_model=MessagePage,
    summary="The conversation, oldest first (auth: participants)",
)
async def messages(
    incident_id: uuid.UUID,
    uow: Work,
    after: int = Query(0, ge=0, le=MAX_ROW_ID, description="Only messages with a larger id"),
    limit: int = Query(50, ge=1, le=100),
    user: Principal = Depends(current_user),
) -> MessagePage:
    return await service.messages(uow.session, user, incident_id, after=after, limit=limit)


@router.post(
    "/{incident_id}/messages/",
    response_model=MessageOut,
    status_code=201,
    summary="Send a message (auth: participants)",
)
async def send(
    incident_id: uuid.UUID,
    body: MessageIn,
    uow: Work,
    user: Principal = Depends(current_user),
) -> MessageOut:
    return await service.send(uow, user, incident_id, body.body)
