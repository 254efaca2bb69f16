"""Keeps the served model current: installs the shipped base (or trains one when it does not
fit), trains challengers in a separate process (training is CPU-bound and would starve the
event loop), and follows the registry so every process serves the champion."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from safewatch.atlas.classify.engine import ThreatEngine
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.models import ModelVersion
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import pipeline, registry, shipped
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.logging import get_logger

log = get_logger(__name__)


class ModelKeeper:
    def __init__(
        self, settings: AtlasSettings, db: Database, engine: ThreatEngine, clock: Clock
    ) -> None:
        self.settings, self.db, self.engine, self.clock = settings, db, engine, clock
        self.model_dir = settings.resolved_model_dir()
        self._pool: ProcessPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._keep(), name="atlas-model-keeper")

    async def stop(self) -> None:
        self._stop.set()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, request: pipeline.TrainRequest) -> pipeline.TrainOutcome:
        return await self._in_process(pipeline.train, request)

    async def _in_process(self, fn: object, *args: object) -> pipeline.TrainOutcome:
        if self._pool is None:
            # spawn: a forked child would inherit the event loop and open sockets
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)  # type: ignore[arg-type]

    async def _keep(self) -> None:
        try:
            await self.ensure_champion()
        except Exception:
            log.exception("atlas.model.first_load_failed")
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(
                    self._stop.wait(), timeout=self.settings.model_refresh_seconds
                )
            except TimeoutError:
                await self.follow_registry()

    async def ensure_champion(self) -> None:
        """Serve the registry's champion; on a fresh install, the shipped or a trained base."""
        async with self.db.sessions() as session:
            current = await registry.champion(session)
        if current is not None and (self.model_dir / current.artifact).is_file():
            await self.load(current.version, current.artifact)
            return
        outcome, note = await self._first_model()
        version = outcome.artifact.removesuffix(".npz")
        async with self.db.transaction() as session:
            if await session.get(ModelVersion, version) is None:
                await registry.register(
                    session,
                    version,
                    artifact=outcome.artifact,
                    metrics=outcome.metrics,
                    trained_on=outcome.trained_on,
                    note=note,
                    now=self.clock.now(),
                )
            await registry.promote(session, version, now=self.clock.now())
        await self.load(version, outcome.artifact)

    async def _first_model(self) -> tuple[pipeline.TrainOutcome, str]:
        """The shipped base when it fits this code and data (a copy, about a second); else
        train one in the child process (about a minute), saying why."""
        sample = self.settings.training_sample
        if sample:
            reason = f"ATLAS_TRAINING_SAMPLE={sample}: the shipped base is trained on every row"
        else:
            try:
                outcome = await asyncio.to_thread(shipped.install, self.model_dir)
                return outcome, "base model shipped with the package"
            except shipped.ShippedModelUnusable as exc:
                reason = str(exc)
                log.warning("atlas.model.shipped_unusable", reason=reason)
        log.info("atlas.model.training_first", sample=sample or "all", reason=reason)
        outcome = await self._in_process(pipeline.train_base, str(self.model_dir), sample)
        return outcome, "first model, bundled data only"

    async def follow_registry(self) -> None:
        async with self.db.sessions() as session:
            current = await registry.champion(session)
        if current is not None and current.version != self.engine.version:
            await self.load(current.version, current.artifact)

    async def load(self, version: str, artifact: str) -> None:
        model = await asyncio.to_thread(TextModel.load, self.model_dir / artifact)
        self.engine.install(model, version)
        log.info("atlas.model.serving", version=version)


def new_version(now: datetime) -> str:
    return f"v{now:%Y%m%d-%H%M%S}"
