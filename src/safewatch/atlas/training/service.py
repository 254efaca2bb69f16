"""Feedback use cases: record a verdict, summarise agreement, gather what retraining needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.classify import repository
from safewatch.atlas.models import Feedback, ModelVersion
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import registry
from safewatch.atlas.training.pipeline import FeedbackItem
from safewatch.atlas.training.schemas import ConfusionPair, ProductStats
from safewatch.contracts.atlas.feedback import FeedbackIn
from safewatch.core.clock import as_utc
from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.core.errors import NotFound
from safewatch.core.unit_of_work import UnitOfWork

RETRAIN = "atlas.retrain"
RECENT_FEEDBACK_DAYS = 30


async def record_feedback(
    session: AsyncSession, product: str, body: FeedbackIn, now: datetime
) -> tuple[Feedback, str]:
    """Upsert the product's verdict on its prediction; a retry changes nothing."""
    threat = await repository.get_owned(session, body.prediction_id, product)
    if threat is None:
        raise NotFound(f"No threat {body.prediction_id} for {product}: send a threat_id you got")
    meta = body.correction_metadata
    values = {
        "predicted_category": body.predicted_category,
        "actual_category": body.actual_category,
        "user_correction": body.user_correction,
        "corrected_by": meta.corrected_by,
        "corrected_at": as_utc(meta.correction_timestamp) if meta.correction_timestamp else None,
    }
    # Insert-or-nothing first, so two racing first verdicts cannot both insert.
    inserted = await session.execute(
        insert_for(session, table_of(Feedback))
        .values(
            product=product,
            prediction_id=threat.id,
            text=threat.text,
            created_at=now,
            updated_at=now,
            **values,
        )
        .on_conflict_do_nothing(index_elements=["product", "prediction_id"])
    )
    row = await session.scalar(
        select(Feedback)
        .where(Feedback.product == product, Feedback.prediction_id == threat.id)
        .with_for_update()
    )
    assert row is not None
    if getattr(inserted, "rowcount", 0) == 1:
        return row, "recorded"
    if all(getattr(row, k) == v for k, v in values.items()):
        return row, "unchanged"
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    await session.flush()
    return row, "updated"


async def queue_retrain_if_due(uow: UnitOfWork, settings: AtlasSettings) -> bool:
    """Enough feedback since the champion was trained queues a retrain. The key names the
    registry's size, so one retrain waits at a time and a rejected one lets the next through."""
    session = uow.session
    champion = await registry.champion(session)
    since = champion.created_at if champion else None
    if await feedback_since(session, since) < settings.retrain_min_feedback:
        return False
    trained = await session.scalar(select(func.count()).select_from(ModelVersion))
    await uow.enqueue(
        RETRAIN,
        {"reason": "feedback"},
        dedup_key=f"retrain:feedback:{trained}",
        max_attempts=3,
    )
    return True


async def product_stats(session: AsyncSession, product: str) -> ProductStats:
    rows = await session.execute(
        select(Feedback.predicted_category, Feedback.actual_category, func.count())
        .where(Feedback.product == product)
        .group_by(Feedback.predicted_category, Feedback.actual_category)
    )
    total = agreed = 0
    pairs = []
    for predicted, actual, count in rows:
        total += count
        if predicted == actual:
            agreed += count
        else:
            pairs.append(ConfusionPair(predicted=predicted, actual=actual, count=count))
    corrections = (
        await session.scalar(
            select(func.count()).where(Feedback.product == product, Feedback.user_correction)
        )
        or 0
    )
    pairs.sort(key=lambda p: (-p.count, p.predicted, p.actual))
    return ProductStats(
        feedback=total,
        corrections=corrections,
        agreement_rate=round(agreed / total, 4) if total else None,
        confusion_pairs=pairs[:20],
    )


async def feedback_since(session: AsyncSession, moment: datetime | None) -> int:
    query = select(func.count()).select_from(Feedback)
    if moment is not None:
        query = query.where(Feedback.updated_at > moment)
    return int(await session.scalar(query) or 0)


async def training_feedback(session: AsyncSession, now: datetime) -> list[FeedbackItem]:
    """Every verdict, as (text, actual category); the last 30 days count as recent."""
    recent = now - timedelta(days=RECENT_FEEDBACK_DAYS)
    rows = await session.execute(
        select(
            Feedback.prediction_id, Feedback.text, Feedback.actual_category, Feedback.updated_at
        ).order_by(Feedback.id)
    )
    return [
        FeedbackItem(str(pid), text, label, recent=updated >= recent)
        for pid, text, label, updated in rows
    ]
