"""Signing in, the same for every service with users: `POST /api/auth/token/` checks a
username and password against the service's own users table and answers a bearer token,
throttled per username and per client address (`core.auth.throttle`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth.passwords import verify_password
from safewatch.core.auth.throttle import LoginThrottle, ThrottleLimits
from safewatch.core.auth.tokens import Principal, TokenError, TokenIssuer
from safewatch.core.errors import Forbidden, Unauthorized, answers
from safewatch.core.openapi import anonymous_allowed
from safewatch.core.requests import RequestModel

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/token/")


class Credentials(RequestModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    username: str


def secret_file(path: Path, nbytes: int, prefix: str = "") -> str:
    """Read a secret kept in the data dir, creating it (owner-only) the first time. Processes
    starting together agree: the secret is written whole to a private file, then linked into
    place, which fails if another process got there first (then theirs is read)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = prefix + secrets.token_urlsafe(nbytes)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text().strip()
    finally:
        draft.unlink()
    return secret


def token_issuer(
    service: str, configured: SecretStr | None, data_dir: Path, ttl_minutes: int
) -> TokenIssuer:
    """The configured signing secret, else one generated once into the data dir, so restarts
    and processes sharing the data dir agree."""
    secret = (
        configured.get_secret_value()
        if configured
        else secret_file(data_dir / f"{service}-jwt.secret", 48)
    )
    return TokenIssuer(secret, issuer=f"safewatch-{service}", ttl=timedelta(minutes=ttl_minutes))


async def authenticate(
    session: AsyncSession, users: Any, username: str, password: str
) -> Principal | None:
    """`users`: the service's user model (id, username, role, password_hash)."""
    user = (
        await session.execute(select(users).where(users.username == username))
    ).scalar_one_or_none()
    # Verify even for unknown users, so the answer takes as long either way.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    return Principal(user.id, user.username, user.role)


def sign_in_router(users: Any, attempts: Table, get_context: Callable[..., Any]) -> APIRouter:
    """`users`: the service's user model; `attempts`: its login_attempts table; `get_context`:
    the service's dependency giving its context (db, tokens, clock, sign-in settings)."""
    router = APIRouter(prefix="/api/auth", tags=["auth"])

    @router.post(
        "/token/",
        response_model=AccessToken,
        summary="Sign in (auth: public). Tokens expire; sign in again to renew.",
        responses={
            401: {"description": "Wrong username or password"},
            429: {"description": "Too many attempts for this username or address; Retry-After"},
        },
    )
    async def issue_token(
        body: Credentials, request: Request, ctx: Any = Depends(get_context)
    ) -> AccessToken:
        throttle = LoginThrottle(attempts, _limits(ctx.settings))
        address = request.client.host if request.client else "unknown"
        admission = await throttle.admit(ctx.db, body.username, address, ctx.clock.now())
        async with ctx.db.sessions() as session:
            principal = await authenticate(session, users, body.username, body.password)
        if principal is None:
            raise Unauthorized("Wrong username or password")
        await throttle.release(ctx.db, admission)
        return AccessToken(
            access_token=ctx.tokens.issue(principal, ctx.clock.now()),
            expires_in=int(ctx.tokens.ttl.total_seconds()),
            role=principal.role,
            username=principal.username,
        )

    return router


def _limits(settings: Any) -> ThrottleLimits:
    """`settings`: the service's `core.config.SignInSettings`."""
    return ThrottleLimits(
        settings.login_max_failures,
        settings.login_max_failures_per_address,
        settings.login_window_seconds,
    )


class BearerRules:
    """The auth rules of a service's routes, checking its access tokens: `optional_user`
    ("public, or signed in"), `current_user` ("signed in") and `role(...)`. `get_context` is the
    service's dependency giving its context (tokens, clock)."""

    def __init__(self, get_context: Callable[..., Any]) -> None:
        @anonymous_allowed
        @answers({401: "The access token is invalid or expired: sign in again"})
        async def optional_user(
            credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
            ctx: Any = Depends(get_context),
        ) -> Principal | None:
            """No token is anonymous; a bad token is 401, never silently anonymous."""
            return None if credentials is None else _verify(credentials, ctx)

        @answers({401: "Sign in (POST /api/auth/token/) and send the bearer token"})
        async def current_user(
            credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
            ctx: Any = Depends(get_context),
        ) -> Principal:
            """A valid, unexpired access token of any role."""
            if credentials is None:
                raise Unauthorized(
                    "Sign in at POST /api/auth/token/ and send Authorization: Bearer <token>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return _verify(credentials, ctx)

        self.optional_user = optional_user
        self.current_user = current_user

    def role(self, *allowed: str) -> Any:
        """Signed in with one of these roles; other roles get 403."""

        @answers({403: f"Signed in, but not as a {' or '.join(allowed)}"})
        async def check(user: Principal = Depends(self.current_user)) -> Principal:
            if user.role not in allowed:
                raise Forbidden(f"This needs a {' or '.join(allowed)} account")
            return user

        return Depends(check)


def _verify(credentials: HTTPAuthorizationCredentials, ctx: Any) -> Principal:
    try:
        principal: Principal = ctx.tokens.verify(credentials.credentials, ctx.clock.now())
    except TokenError as exc:
        raise Unauthorized(str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    return principal
