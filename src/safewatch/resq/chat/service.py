"""An incident's conversation: the students who reported it, the assigned guard and
dispatchers talk; anyone else is told the incident does not exist (404)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.chat.schemas import MessageOut, MessagePage
from safewatch.resq.models import Guard, GuardAssignment, Incident, IncidentReporter, Message, User
from safewatch.resq.realtime.audience import message_event


async def participants(session: AsyncSession, incident_id: uuid.UUID) -> set[int]:
    """User ids in the conversation (dispatchers take part by role, not by id)."""
    students = await session.execute(
        select(IncidentReporter.user_id).where(IncidentReporter.incident_id == incident_id)
    )
    guard = await session.execute(
        select(Guard.user_id)
        .join(GuardAssignment, GuardAssignment.guard_id == Guard.id)
        .where(GuardAssignment.incident_id == incident_id)
    )
    return {*students.scalars().all(), *guard.scalars().all()}


async def _check(session: AsyncSession, user: Principal, incident_id: uuid.UUID) -> set[int]:
    members = await participants(session, incident_id)
    if user.role != "dispatcher" and user.user_id not in members:
        raise NotFound(f"Incident {incident_id} not found")
    if user.role == "dispatcher" and await session.get(Incident, incident_id) is None:
        raise NotFound(f"Incident {incident_id} not found")
    return members


async def messages(
    session: AsyncSession, user: Principal, incident_id: uuid.UUID, *, after: int, limit: int
) -> MessagePage:
    """Oldest first, those with an id above `after`; `next_after` while more are left."""
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


async def send(uow: UnitOfWork, user: Principal, incident_id: uuid.UUID, text: str) -> MessageOut:
    """Store the message; the participants hear it over /ws once the transaction commits."""
    session, now = uow.session, uow.now
    members = await _check(session, user, incident_id)
    message = Message(
        incident_id=incident_id, sender_user_id=user.user_id, body=text, created_at=now
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
    uow.publish(message_event(incident_id, out.model_dump(mode="json"), members))
    return out
