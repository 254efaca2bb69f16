"""Classify texts, store them as threats (unless asked not to), and relate them to other
products' threats."""

from __future__ import annotations

import asyncio
import hashlib
import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.classify import repository
from safewatch.atlas.classify.engine import Labelled, ThreatEngine
from safewatch.atlas.classify.scrub import scrub
from safewatch.atlas.geo import haversine_km
from safewatch.atlas.models import Threat
from safewatch.atlas.patterns import nearby_stored
from safewatch.atlas.settings import AtlasSettings
from safewatch.contracts.atlas.classify import (
    ClassifyRequest,
    Correlation,
    NearbyPattern,
    ThreatOut,
)
from safewatch.contracts.threats import Classification, ProductMappings
from safewatch.core.clock import as_utc
from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.core.errors import AppError, Conflict

NEARBY_RADIUS_KM = 5.0
NEARBY_DAYS = 7
# Texts in a batch above this go to a thread so a big batch does not stall the event loop.
INLINE_BATCH = 4


def check_requests(
    requests: Sequence[ClassifyRequest], product: str, settings: AtlasSettings
) -> None:
    """The rules a schema cannot know: the length limit and the caller's own product name."""
    for index, item in enumerate(requests):
        where = f"items[{index}]." if len(requests) > 1 else ""
        if len(item.data) > settings.max_text_chars:
            raise AppError(
                f"{where}data is {len(item.data)} characters; send at most "
                f"{settings.max_text_chars} (the description, not the whole report)",
                status=422,
                code="text_too_long",
            )
        if not item.data.strip():
            raise AppError(f"{where}data is blank: send the incident description", status=422)
        claimed = item.context.source_product
        if claimed and claimed.strip().lower() != product:
            raise AppError(
                f"{where}context.source_product is {claimed!r} but X-Product is {product!r}",
                status=422,
                code="product_mismatch",
            )


def request_hash(item: ClassifyRequest) -> str:
    return hashlib.sha256(item.model_dump_json().encode()).hexdigest()


def idempotency_keys(key: str | None, count: int) -> list[str | None]:
    if key is None:
        return [None] * count
    return [key] if count == 1 else [f"{key}#{i}" for i in range(count)]


async def label_texts(engine: ThreatEngine, texts: list[str]) -> list[Labelled]:
    if not texts:
        return []
    if len(texts) <= INLINE_BATCH:
        return engine.classify(texts)
    return await asyncio.to_thread(engine.classify, texts)


async def classify(
    session: AsyncSession,
    engine: ThreatEngine,
    product: str,
    requests: Sequence[ClassifyRequest],
    *,
    idempotency_key: str | None,
    now: datetime,
) -> list[Threat]:
    """Classify each request and store those with `options.store`; a retried Idempotency-Key
    returns the stored threat. Unstored threats are built but never added to the session."""
    keys = idempotency_keys(idempotency_key, len(requests))
    # A call that keeps nothing remembers nothing: its key is neither looked up nor stored.
    keys = [key if item.options.store else None for key, item in zip(keys, requests, strict=True)]
    hashes = [request_hash(item) for item in requests]
    stored = await repository.by_idempotency_keys(session, product, [k for k in keys if k])
    for key, digest in zip(keys, hashes, strict=True):
        if key in stored and stored[key].request_hash != digest:
            raise Conflict(f"Idempotency-Key {idempotency_key!r} was used for a different request")
    fresh = [i for i, key in enumerate(keys) if key not in stored]
    texts = [scrub(requests[i].data.strip()) for i in fresh]
    labels = await label_texts(engine, texts)
    rows = [
        _threat_row(product, requests[i], text, label, keys[i], hashes[i], now)
        for i, text, label in zip(fresh, texts, labels, strict=True)
    ]
    kept = [row for i, row in zip(fresh, rows, strict=True) if requests[i].options.store]
    if kept:
        # Two retries racing on one key: the index keeps the first, both answer with it.
        insert = insert_for(session, table_of(Threat)).values(kept)
        await session.execute(
            insert.on_conflict_do_nothing(index_elements=["product", "idempotency_key"])
        )
    made = {i: Threat(**row) for i, row in zip(fresh, rows, strict=True)}
    if any(keys):
        stored = await repository.by_idempotency_keys(session, product, [k for k in keys if k])
    return [stored[key] if key else made[i] for i, key in enumerate(keys)]


def _threat_row(
    product: str,
    item: ClassifyRequest,
    text: str,
    label: Labelled,
    key: str | None,
    digest: str,
    now: datetime,
) -> dict[str, object]:
    c, context = label.classification, item.context
    return {
        "id": _new_id(),
        "product": product,
        "text": text,
        "category": c.threat_category,
        "subcategory": c.threat_subcategory,
        "severity": c.severity,
        "confidence": c.confidence,
        "halo_incident_type": c.product_mappings.halo_incident_type,
        "polisen_type": c.product_mappings.polisen_type,
        "scores": label.scores,
        "latitude": context.latitude,
        "longitude": context.longitude,
        "occurred_at": as_utc(context.timestamp) if context.timestamp else now,
        "model_version": label.model_version,
        "incident_type": context.incident_type,
        "reference": context.reference,
        "idempotency_key": key,
        "request_hash": digest,
        "created_at": now,
    }


def _new_id() -> uuid.UUID:
    return uuid.uuid4()


def to_out(threat: Threat, *, stored: bool = True) -> ThreatOut:
    return ThreatOut(
        threat_id=threat.id if stored else None,
        classification=Classification(
            threat_category=threat.category,
            threat_subcategory=threat.subcategory,
            severity=threat.severity,
            confidence=threat.confidence,
            product_mappings=ProductMappings(
                halo_incident_type=threat.halo_incident_type, polisen_type=threat.polisen_type
            ),
        ),
        model_version=threat.model_version,
        source_product=threat.product,
        occurred_at=threat.occurred_at,
        latitude=threat.latitude,
        longitude=threat.longitude,
        reference=threat.reference,
    )


async def enrich(
    session: AsyncSession,
    out: ThreatOut,
    threat: Threat,
    threshold: float,
    settings: AtlasSettings,
    now: datetime,
) -> ThreatOut:
    """Add nearby activity and correlated threats (any product) for a located threat."""
    if threat.latitude is None or threat.longitude is None:
        return out.model_copy(update={"nearby_patterns": [], "correlations": []})
    lat, lon = threat.latitude, threat.longitude
    activity = await repository.category_activity(
        session, lat, lon, NEARBY_RADIUS_KM, now - timedelta(days=NEARBY_DAYS)
    )
    stored = await nearby_stored(session, lat, lon, NEARBY_RADIUS_KM, threshold)
    patterns = stored + [
        NearbyPattern(
            threat_category=category,
            count=count,
            max_severity=severity,
            radius_km=NEARBY_RADIUS_KM,
            time_range=f"{NEARBY_DAYS}d",
            latest_at=latest,
        )
        for category, count, severity, latest in activity
    ]
    since, until = repository.window(threat.occurred_at, settings.correlation_window_hours)
    candidates = await repository.near(
        session, lat, lon, settings.correlation_radius_km, since, until
    )
    correlations = [
        c
        for other in candidates
        if other.id != threat.id and (c := correlate(threat, other, settings)).score >= threshold
    ]
    correlations.sort(key=lambda c: c.score, reverse=True)
    return out.model_copy(update={"nearby_patterns": patterns, "correlations": correlations[:20]})


def correlate(threat: Threat, other: Threat, settings: AtlasSettings) -> Correlation:
    """Half meaning (cosine of class probabilities), a quarter each nearness in space and time."""
    assert threat.latitude is not None and threat.longitude is not None
    assert other.latitude is not None and other.longitude is not None
    distance = haversine_km(threat.latitude, threat.longitude, other.latitude, other.longitude)
    hours = abs((threat.occurred_at - other.occurred_at).total_seconds()) / 3600
    space = max(0.0, 1 - distance / settings.correlation_radius_km)
    time = max(0.0, 1 - hours / settings.correlation_window_hours)
    score = 0.5 * cosine(threat.scores, other.scores) + 0.25 * space + 0.25 * time
    return Correlation(
        threat_id=other.id,
        source_product=other.product,
        threat_category=other.category,
        severity=other.severity,
        score=round(score, 3),
        distance_km=round(distance, 3),
        hours_apart=round(hours, 2),
        occurred_at=other.occurred_at,
    )


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
