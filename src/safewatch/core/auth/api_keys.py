"""API keys for machine callers: random, shown once, stored as SHA-256.

A slow password hash is not needed: a 32-byte random key cannot be guessed, and a fast hash
keeps the per-request check to one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class NewApiKey:
    secret: str  # give to the caller once, never store
    key_hash: str
    prefix: str  # safe to show in listings


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key(namespace: str) -> NewApiKey:
    return api_key_from_secret(namespace, f"{namespace}_{secrets.token_urlsafe(32)}")


def api_key_from_secret(namespace: str, secret: str) -> NewApiKey:
    """The hash and listing prefix of a key made earlier (e.g. one kept in the data dir)."""
    return NewApiKey(secret, hash_api_key(secret), secret[: len(namespace) + 7])
