"""Shared by every test folder: the database plugin and Atlas's base model."""

import os
import shutil
from pathlib import Path

import pytest

from safewatch.atlas.training import pipeline, shipped
from tests.migrations import MIGRATIONS

pytest_plugins = ["safewatch.core.testing.plugin"]

# Trained base models outlive a run here (var/ is ignored by git): the artifact's name changes
# with the data and the recipe, so a stale one is never reused. Needed only while the shipped
# base is stale (tests/atlas/test_shipped_model.py says so).
MODEL_CACHE = Path(__file__).resolve().parents[1] / "var" / "test-cache" / "atlas-models"


@pytest.fixture(scope="session")
def service_migrations() -> dict[str, Path]:
    """The database plugin migrates each service's test databases from these."""
    return MIGRATIONS


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model directory for the whole run with Atlas's base model in it, reused by every
    Atlas, Halo and browser test: the shipped one, as a fresh Atlas installs it."""
    directory = tmp_path_factory.mktemp("atlas-models")
    try:
        shipped.install(directory)
        return directory
    except shipped.ShippedModelUnusable:
        pass  # trained instead (about a minute), as a fresh Atlas would
    name = pipeline.base_artifact_name(0)
    files = (name, f"{name}.json")
    if not all((MODEL_CACHE / f).is_file() for f in files):
        pipeline.train_base(str(directory), 0)
        MODEL_CACHE.mkdir(parents=True, exist_ok=True)
        for f in files:  # copied whole, then renamed: a parallel run never reads half a file
            shutil.copy(directory / f, MODEL_CACHE / f"{f}.partial")
            os.replace(MODEL_CACHE / f"{f}.partial", MODEL_CACHE / f)
    for f in files:
        shutil.copy(MODEL_CACHE / f, directory / f)
    return directory
