"""Media tests do not use the text model, so Atlas gets one trained on a small sample."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.atlas.conftest import KEYS

from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import pipeline

TEXT_SAMPLE = 2000


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("atlas-small-model")
    pipeline.train_base(str(directory), TEXT_SAMPLE)
    return directory


@pytest.fixture
def atlas_settings(
    database_url: Callable[[str], str], tmp_path: Path, small_model_dir: Path
) -> AtlasSettings:
    return AtlasSettings.model_validate(
        {
            "database_url": database_url("atlas"),
            "data_dir": tmp_path,
            "model_dir": small_model_dir,
            "training_sample": TEXT_SAMPLE,
            **{f"API_KEY_{p.upper()}": key for p, key in KEYS.items()},
        }
    )
