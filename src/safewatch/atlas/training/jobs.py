"""The retrain job: a challenger on bundled data plus feedback, promoted only if it wins."""

from __future__ import annotations

from safewatch.atlas.models import jobs
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import pipeline, registry
from safewatch.atlas.training.keeper import ModelKeeper
from safewatch.atlas.training.service import RETRAIN, feedback_since, training_feedback
from safewatch.core.jobs import Job, RetryLater, schedule_periodic
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork

log = get_logger(__name__)


async def schedule_retrain(uow: UnitOfWork, settings: AtlasSettings) -> None:
    """Queue the next periodic retrain: one job per period (due later, no worker to wake)."""
    period = settings.retrain_interval_hours * 3600
    await schedule_periodic(
        uow.session, jobs, RETRAIN, key="retrain", period_seconds=period, now=uow.now
    )


class RetrainJob:
    def __init__(self, units: UnitsOfWork, keeper: ModelKeeper, settings: AtlasSettings) -> None:
        self.units, self.keeper, self.settings = units, keeper, settings

    async def __call__(self, job: Job) -> None:
        now = self.units.clock.now()
        if job.payload.get("reason") == "scheduled":
            async with self.units.begin() as uow:
                await schedule_retrain(uow, self.settings)
        async with self.units.db.sessions() as session:
            champion = await registry.champion(session)
            if champion is None:
                raise RetryLater("the first model is still being trained", retry_after=60)
            if await feedback_since(session, champion.created_at) == 0:
                log.info("atlas.retrain.skipped", reason="no feedback since the champion")
                return
            feedback = await training_feedback(session, now)
        version = f"v{now:%Y%m%d-%H%M%S}-{job.id}"
        request = pipeline.TrainRequest(
            version=version,
            model_dir=str(self.keeper.model_dir),
            sample=self.settings.training_sample,
            feedback=feedback,
            champion_artifact=champion.artifact,
        )
        outcome = await self.keeper.run(request)
        promote, reason = pipeline.decide(outcome, self.settings.promotion_tolerance)
        async with self.units.begin() as uow:
            await registry.register(
                uow.session,
                version,
                artifact=outcome.artifact,
                metrics=outcome.metrics | {"champion_then": outcome.champion_metrics},
                trained_on=outcome.trained_on | {"challenged": champion.version},
                note=reason,
                now=uow.now,
            )
            if promote:
                await registry.promote(uow.session, version, now=uow.now)
        log.info("atlas.retrain.done", version=version, promoted=promote, reason=reason)
        if promote:
            await self.keeper.load(version, outcome.artifact)
