"""Short-lived JWT access tokens: HS256 only, issuer and audience checked, expiry enforced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or meant for another service."""


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str


class TokenIssuer:
    def __init__(self, secret: str, *, issuer: str, ttl: timedelta) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.issuer = issuer
        self.ttl = ttl

    def issue(self, principal: Principal, now: datetime) -> str:
        claims = {
            "sub": str(principal.user_id),
            "name": principal.username,
            "role": principal.role,
            "iss": self.issuer,
            "aud": self.issuer,
            "iat": int(now.timestamp()),
            "exp": int((now + self.ttl).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, now: datetime) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.issuer,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from exc
        # Expiry is checked against the injected clock, not the wall clock, so tests can age it.
        if int(claims["exp"]) <= int(now.timestamp()):
            raise TokenError("token expired: sign in again at POST /api/auth/token/")
        try:
            return Principal(int(claims["sub"]), str(claims["name"]), str(claims["role"]))
        except (KeyError, ValueError) as exc:
            raise TokenError("invalid token claims") from exc
