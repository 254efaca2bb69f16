"""ResQ's signing secret and the demo users' password (signing in itself: core.auth.sign_in)."""

from __future__ import annotations

import os

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import TokenIssuer, hash_password, sign_in
from safewatch.resq.models import User
from safewatch.resq.settings import ResqSettings


def token_issuer(settings: ResqSettings) -> TokenIssuer:
    return sign_in.token_issuer(
        "resq", settings.jwt_secret, settings.data_dir, settings.token_ttl_minutes
    )


DEMO_PASSWORD_FILE = "demo-password.txt"


def password_from_env() -> str | None:
    return os.environ.get("SAFEWATCH_DEMO_PASSWORD") or None


def demo_password(settings: ResqSettings) -> str:
    """SAFEWATCH_DEMO_PASSWORD, else one generated for this data dir and kept there."""
    return password_from_env() or sign_in.secret_file(settings.data_dir / DEMO_PASSWORD_FILE, 9)


async def set_passwords(session: AsyncSession, usernames: list[str], password: str) -> None:
    password_hash = await hash_password(password)
    await session.execute(
        update(User).where(User.username.in_(usernames)).values(password_hash=password_hash)
    )
