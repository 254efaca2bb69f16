"""Signing in: credentials to a principal, the token signing secret, adding users."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal, TokenIssuer, hash_password, verify_password
from safewatch.core.errors import Conflict
from safewatch.halo.models import ROLES, User
from safewatch.halo.settings import HaloSettings


def _secret_file(path: Path, nbytes: int) -> str:
    """Read a secret kept in the data dir, creating it (owner-only) the first time."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(nbytes)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    return secret


def token_issuer(settings: HaloSettings) -> TokenIssuer:
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret
        else _secret_file(settings.data_dir / "halo-jwt.secret", 48)
    )
    return TokenIssuer(
        secret, issuer="safewatch-halo", ttl=timedelta(minutes=settings.token_ttl_minutes)
    )


async def authenticate(session: AsyncSession, username: str, password: str) -> Principal | None:
    user = (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()
    # Verify even for unknown users, so the answer takes as long either way.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    return Principal(user.id, user.username, user.role)


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
