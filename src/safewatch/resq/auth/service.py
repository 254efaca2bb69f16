"""Signing in: credentials to a principal, the signing secret, the demo users' password."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal, TokenIssuer, hash_password, verify_password
from safewatch.resq.models import User
from safewatch.resq.settings import ResqSettings


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


def token_issuer(settings: ResqSettings) -> TokenIssuer:
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret
        else _secret_file(settings.data_dir / "resq-jwt.secret", 48)
    )
    return TokenIssuer(
        secret, issuer="safewatch-resq", ttl=timedelta(minutes=settings.token_ttl_minutes)
    )


def demo_password(settings: ResqSettings) -> str:
    """SAFEWATCH_DEMO_PASSWORD, else one generated for this data dir and kept there."""
    return os.environ.get("SAFEWATCH_DEMO_PASSWORD") or _secret_file(
        settings.data_dir / "demo-password.txt", 9
    )


async def set_passwords(session: AsyncSession, usernames: list[str], password: str) -> None:
    password_hash = await hash_password(password)
    await session.execute(
        update(User).where(User.username.in_(usernames)).values(password_hash=password_hash)
    )


async def authenticate(session: AsyncSession, username: str, password: str) -> Principal | None:
    user = (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()
    # Verify even for unknown users, so the answer takes as long either way.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    return Principal(user.id, user.username, user.role)
