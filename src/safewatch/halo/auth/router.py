"""POST /api/auth/token/: username and password in, a bearer access token out."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safewatch.core.errors import Unauthorized
from safewatch.halo.auth.service import authenticate
from safewatch.halo.deps import HaloContext, get_context

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    username: str


@router.post(
    "/token/",
    response_model=AccessToken,
    summary="Sign in (auth: public). Tokens expire; sign in again to renew.",
    responses={401: {"description": "Wrong username or password"}},
)
async def issue_token(body: Credentials, ctx: HaloContext = Depends(get_context)) -> AccessToken:
    async with ctx.db.sessions() as session:
        principal = await authenticate(session, body.username, body.password)
    if principal is None:
        raise Unauthorized("Wrong username or password")
    return AccessToken(
        access_token=ctx.tokens.issue(principal, ctx.clock.now()),
        expires_in=int(ctx.tokens.ttl.total_seconds()),
        role=principal.role,
        username=principal.username,
    )
