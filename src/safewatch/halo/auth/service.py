"""Halo's signing secret and its users (signing in itself: core.auth.sign_in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import TokenIssuer, hash_password, sign_in
from safewatch.core.errors import Conflict
from safewatch.halo.models import ROLES, User
from safewatch.halo.settings import HaloSettings


def token_issuer(settings: HaloSettings) -> TokenIssuer:
    return sign_in.token_issuer(
        "halo", settings.jwt_secret, settings.data_dir, settings.token_ttl_minutes
    )


async def add_user(
    session: AsyncSession, username: str, full_name: str, role: str, password: str, now: datetime
) -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    taken = await session.scalar(select(User.id).where(User.username == username))
    if taken is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=await hash_password(password),
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user
