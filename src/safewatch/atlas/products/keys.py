"""Product API keys: from the environment (API_KEY_<PRODUCT>) and from the database (CLI)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.models import ApiKey
from safewatch.atlas.settings import PRODUCTS
from safewatch.core.auth import NewApiKey, hash_api_key, new_api_key
from safewatch.core.db.dialect import insert_for


class UnknownProduct(ValueError):
    def __init__(self, product: str) -> None:
        super().__init__(f"Unknown product {product!r}: use one of {', '.join(PRODUCTS)}")


@dataclass(frozen=True)
class KeyListing:
    id: int
    product: str
    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class KeyRing:
    """Answers "which product owns this key?" for environment keys and stored keys."""

    def __init__(self, environment_keys: Mapping[str, str]) -> None:
        self._env = {hash_api_key(key): product for product, key in environment_keys.items()}

    async def owner(self, session: AsyncSession, secret: str) -> str | None:
        presented = hash_api_key(secret)
        for key_hash, product in self._env.items():
            if hmac.compare_digest(key_hash, presented):
                return product
        row = await session.execute(
            select(ApiKey.product).where(ApiKey.key_hash == presented, ApiKey.revoked_at.is_(None))
        )
        return row.scalar_one_or_none()


def check_product(product: str) -> str:
    product = product.strip().lower()
    if product not in PRODUCTS:
        raise UnknownProduct(product)
    return product


async def create_key(
    session: AsyncSession, product: str, *, label: str, now: datetime
) -> tuple[NewApiKey, int]:
    product = check_product(product)
    key = new_api_key(f"atlas_{product}")
    row = ApiKey(
        product=product, key_hash=key.key_hash, prefix=key.prefix, label=label, created_at=now
    )
    session.add(row)
    await session.flush()
    return key, row.id


async def ensure_key(session: AsyncSession, key: NewApiKey, product: str, *, now: datetime) -> bool:
    """Register a key made outside the CLI (`serve` keeps one per local product in the data
    dir), once. False when an operator revoked it: it stays revoked."""
    # ON CONFLICT: processes sharing the data dir and database may start together.
    await session.execute(
        insert_for(session, ApiKey)
        .values(  # type: ignore[attr-defined]
            product=check_product(product),
            key_hash=key.key_hash,
            prefix=key.prefix,
            label=f"kept by serve for the local {product}",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == key.key_hash))
    return row is not None and row.revoked_at is None and row.product == product


async def list_keys(session: AsyncSession, product: str | None = None) -> list[KeyListing]:
    query = select(ApiKey).order_by(ApiKey.product, ApiKey.id)
    if product:
        query = query.where(ApiKey.product == check_product(product))
    return [
        KeyListing(k.id, k.product, k.prefix, k.label, k.created_at, k.revoked_at)
        for k in (await session.scalars(query))
    ]


async def revoke_key(session: AsyncSession, product: str, key_id: int, *, now: datetime) -> bool:
    """Revoke one of a product's keys; False when that product has no live key with that id."""
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            ApiKey.product == check_product(product),
            ApiKey.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))
