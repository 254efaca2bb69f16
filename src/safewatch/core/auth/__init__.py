"""Authentication kernel: passwords, API keys, signed access tokens, the caller's principal."""

from safewatch.core.auth.api_keys import (
    NewApiKey,
    api_key_from_secret,
    hash_api_key,
    new_api_key,
)
from safewatch.core.auth.passwords import hash_password, verify_password
from safewatch.core.auth.tokens import Principal, TokenError, TokenIssuer

__all__ = [
    "NewApiKey",
    "Principal",
    "TokenError",
    "TokenIssuer",
    "api_key_from_secret",
    "hash_api_key",
    "hash_password",
    "new_api_key",
    "verify_password",
]
