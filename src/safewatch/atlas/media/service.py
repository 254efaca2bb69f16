"""Media use cases: check the upload, analyse it off the event loop, store what was found."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.media.errors import BadMedia, MediaTooLarge
from safewatch.atlas.media.models import MediaAnalysis, MediaFile
from safewatch.atlas.media.pipeline import Analysis, MediaAnalyzer
from safewatch.atlas.media.settings import MediaSettings
from safewatch.atlas.media.threats import Threat as MediaThreat
from safewatch.atlas.models import Threat
from safewatch.contracts.atlas.media import AnalysisOut, MediaContext
from safewatch.contracts.taxonomy import CATEGORIES, describe
from safewatch.core.clock import as_utc
from safewatch.core.errors import AppError

MAX_CONTEXT_CHARS = 4000


@dataclass
class MediaRuntime:
    """What the media routes share: the loaded backends and a cap on concurrent analyses."""

    settings: MediaSettings
    analyzer: MediaAnalyzer
    slots: asyncio.Semaphore

    @classmethod
    def build(cls, settings: MediaSettings) -> MediaRuntime:
        return cls(settings, MediaAnalyzer(settings), asyncio.Semaphore(settings.concurrency))

    async def analyze(self, data: bytes, media_type: str) -> Analysis:
        async with self.slots:
            return await asyncio.to_thread(self.analyzer.analyze, data, media_type)


def check_upload(data: bytes, settings: MediaSettings) -> None:
    if len(data) > settings.max_bytes:
        raise MediaTooLarge(f"The file is over {settings.max_bytes:,} bytes; send a smaller one")
    if not data:
        raise BadMedia("The file is empty; send the photo, video or audio as the `file` field")


def parse_context(raw: str | None, product: str) -> MediaContext:
    if raw is None or not raw.strip():
        return MediaContext()
    if len(raw) > MAX_CONTEXT_CHARS:
        raise AppError(f"context is over {MAX_CONTEXT_CHARS} characters", status=422)
    try:
        context = MediaContext.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise AppError(
            'context must be a JSON object such as {"latitude": 59.33, "longitude": 18.07}: '
            f"{exc}",
            status=422,
            code="bad_context",
        ) from None
    claimed = context.source_product
    if claimed and claimed.strip().lower() != product:
        raise AppError(
            f"context.source_product is {claimed!r} but X-Product is {product!r}",
            status=422,
            code="product_mismatch",
        )
    return context


def store(
    session: AsyncSession,
    product: str,
    data: bytes,
    analysis: Analysis,
    context: MediaContext,
    now: datetime,
) -> MediaAnalysis:
    """Add the analysis (and its threat-store entry and sanitised photo) to the session."""
    occurred = as_utc(context.timestamp) if context.timestamp else now
    threats = [_threat_json(t, analysis.media_type) for t in analysis.threats]
    top = threats[0] if threats else None
    row = MediaAnalysis(
        id=uuid.uuid4(),
        product=product,
        media_type=analysis.media_type,
        format=analysis.format,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        duration_seconds=analysis.duration_seconds,
        width=analysis.width,
        height=analysis.height,
        objects=[asdict(o) for o in analysis.objects],
        audio_events=[asdict(e) for e in analysis.audio_events],
        threats=threats,
        models=analysis.models,
        privacy=analysis.privacy,
        warnings=analysis.warnings,
        top_category=top["category"] if top else None,
        top_confidence=top["confidence"] if top else None,
        latitude=context.latitude,
        longitude=context.longitude,
        occurred_at=occurred,
        incident_type=context.incident_type,
        reference=context.reference,
        context=context.model_dump(mode="json", exclude_none=True),
        created_at=now,
    )
    if top:
        row.threat_id = _add_threat(session, product, row, analysis)
    session.add(row)
    if analysis.stored_image is not None:
        session.add(
            MediaFile(analysis_id=row.id, content_type="image/jpeg", data=analysis.stored_image)
        )
    return row


def _summary(threat: MediaThreat, media_type: str) -> str:
    """The evidence as a line of text: the threat store's text, and what severity reads."""
    return f"{media_type}: " + ", ".join(
        f"{e.label} {e.confidence:.2f}"
        + (f" at {e.at_seconds:g}s" if e.at_seconds is not None else "")
        for e in threat.evidence[:5]
    )


def _threat_json(threat: MediaThreat, media_type: str) -> dict[str, Any]:
    c = describe(threat.category, _summary(threat, media_type), confidence=threat.confidence)
    return asdict(threat) | {"severity": c.severity}


def _add_threat(
    session: AsyncSession, product: str, row: MediaAnalysis, analysis: Analysis
) -> uuid.UUID:
    """The strongest threat joins the threat store like a classified text would."""
    best = analysis.threats[0]
    text = _summary(best, analysis.media_type)
    c = describe(best.category, text, confidence=best.confidence)
    scores = [0.0] * len(CATEGORIES)
    for threat in analysis.threats:
        scores[CATEGORIES.index(threat.category)] = threat.confidence
    threat_id = uuid.uuid4()
    session.add(
        Threat(
            id=threat_id,
            product=product,
            text=text,
            category=c.threat_category,
            subcategory=c.threat_subcategory,
            severity=c.severity,
            confidence=c.confidence,
            halo_incident_type=c.product_mappings.halo_incident_type,
            polisen_type=c.product_mappings.polisen_type,
            scores=scores,
            latitude=row.latitude,
            longitude=row.longitude,
            occurred_at=row.occurred_at,
            model_version=("media:" + "+".join(m["name"] for m in analysis.models))[:40],
            incident_type=row.incident_type,
            reference=row.reference,
            idempotency_key=None,
            request_hash=row.sha256,
            created_at=row.created_at,
        )
    )
    return threat_id


async def get_owned(
    session: AsyncSession, analysis_id: uuid.UUID, product: str
) -> MediaAnalysis | None:
    found = await session.get(MediaAnalysis, analysis_id)
    return found if found is not None and found.product == product else None


async def recent(session: AsyncSession, product: str, limit: int) -> list[MediaAnalysis]:
    query = (
        select(MediaAnalysis)
        .where(MediaAnalysis.product == product)
        .order_by(MediaAnalysis.created_at.desc(), MediaAnalysis.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def stored_photo(
    session: AsyncSession, analysis_id: uuid.UUID, product: str
) -> MediaFile | None:
    query = (
        select(MediaFile)
        .join(MediaAnalysis, MediaAnalysis.id == MediaFile.analysis_id)
        .where(MediaFile.analysis_id == analysis_id, MediaAnalysis.product == product)
    )
    return (await session.execute(query)).scalar_one_or_none()


def to_out(row: MediaAnalysis) -> AnalysisOut:
    return AnalysisOut.model_validate(
        {
            "analysis_id": row.id,
            "media_type": row.media_type,
            "format": row.format,
            "duration_seconds": row.duration_seconds,
            "width": row.width,
            "height": row.height,
            "objects": row.objects,
            "audio_events": row.audio_events,
            "threats": row.threats,
            "models": row.models,
            "privacy": row.privacy,
            "warnings": row.warnings,
            "threat_id": row.threat_id,
            "source_product": row.product,
            "occurred_at": row.occurred_at,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "reference": row.reference,
        }
    )
