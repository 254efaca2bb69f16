"""Authentication kernel: password hashing, signed access tokens, the caller's principal."""

from safewatch.core.auth.passwords import hash_password, verify_password
from safewatch.core.auth.tokens import Principal, TokenError, TokenIssuer

__all__ = ["Principal", "TokenError", "TokenIssuer", "hash_password", "verify_password"]
