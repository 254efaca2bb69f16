"""The base model shipped in data/models/: rebuilt from the repository it is the same model,
and a fresh Atlas serves it at once instead of training at start-up."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from structlog.testing import capture_logs
from tests.atlas.conftest import KEYS, product_headers, started

from safewatch.atlas.app import build_atlas
from safewatch.atlas.ml.dataset import load_bundled, split_validation
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.settings import AtlasSettings
from safewatch.atlas.training import shipped
from safewatch.atlas.training.keeper import ModelKeeper
from safewatch.core.bundled import bundled_file
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

HALO = product_headers("halo")


def runtime_client(runtime: ServiceRuntime) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=runtime.app)
    return httpx.AsyncClient(transport=transport, base_url="http://atlas")


def shipped_model() -> TextModel:
    return TextModel.load(bundled_file(shipped.SHIPPED))


# The full fit holds ~10 GB: beside the other worker's tests it met the OOM killer.
@pytest.mark.alone
@pytest.mark.timeout(600)  # one full fit with the press-notice details: about 65 s alone
def test_rebuilding_the_base_from_the_repository_gives_the_shipped_model(tmp_path: Path) -> None:
    rebuilt_path = tmp_path / "rebuilt.npz"
    shipped.build(rebuilt_path)
    rebuilt, ours = TextModel.load(rebuilt_path), shipped_model()
    assert rebuilt.categories == ours.categories
    assert len(rebuilt.blocks) == len(ours.blocks)
    for new, old in zip(rebuilt.blocks, ours.blocks, strict=True):
        assert (new.analyzer, new.ngram_range) == (old.analyzer, old.ngram_range)
        assert (new.sublinear_tf, new.weight) == (old.sublinear_tf, old.weight)
        assert new.vocabulary == old.vocabulary
        np.testing.assert_allclose(new.idf, old.idf, rtol=1e-6)
    # Stored as float16: one rounding step apart at most.
    np.testing.assert_allclose(rebuilt.coef, ours.coef, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(rebuilt.intercept, ours.intercept, atol=1e-5)
    assert rebuilt.temperature == ours.temperature
    assert rebuilt.meta == ours.meta, "same provenance and validation metrics"
    _, validation = split_validation(load_bundled())
    texts = [e.text for e in validation[::20]] + ["Fight outside bar", "Brand i lägenhet"]
    np.testing.assert_allclose(rebuilt.predict_proba(texts), ours.predict_proba(texts), atol=1e-4)
    assert [c for c, _ in rebuilt.predict(texts)] == [c for c, _ in ours.predict(texts)]


def test_the_shipped_model_fits_this_data_and_recipe(tmp_path: Path) -> None:
    try:
        outcome = shipped.install(tmp_path)
    except shipped.ShippedModelUnusable as exc:
        pytest.fail(f"{exc}: rebuild it with `safewatch atlas train --base` and commit it")
    assert (tmp_path / outcome.artifact).read_bytes() == bundled_file(shipped.SHIPPED).read_bytes()


def test_the_shipped_model_uses_the_press_notice_details() -> None:
    meta = shipped_model().meta
    assert meta["details_rows"] > 0
    assert meta["base"]["sample"] == 0
    assert meta["base"]["metrics"]["validation_macro_f1"] > 0.8


@pytest.fixture
def fresh_settings(database_url: Callable[[str], str], tmp_path: Path) -> AtlasSettings:
    """An Atlas with an empty data dir: no model, no registry."""
    return AtlasSettings.model_validate(
        {
            "database_url": database_url("atlas"),
            "data_dir": tmp_path,
            **{f"API_KEY_{p.upper()}": key for p, key in KEYS.items()},
        }
    )


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records (and refuses) any work the keeper sends to its training process."""
    sent: list[object] = []

    async def refuse(self: ModelKeeper, fn: object, *args: object) -> object:
        sent.append(fn)
        raise AssertionError("the keeper started a training process")

    monkeypatch.setattr(ModelKeeper, "_in_process", refuse)
    return sent


async def test_a_fresh_atlas_serves_the_shipped_model_without_training(
    fresh_settings: AtlasSettings, no_training: list[object]
) -> None:
    began = time.monotonic()
    runtime = await started(build_atlas(fresh_settings, clock=FrozenClock()), wait_seconds=15)
    try:
        seconds = time.monotonic() - began
        assert no_training == []
        assert seconds < 15, f"ready after {seconds:.1f} s"
        async with runtime_client(runtime) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200 and ready.json()["checks"]["model"] is True
            body = {"type": "text", "data": "Två män slogs utanför puben"}
            answer = await http.post("/api/v1/classify/threat", json=body, headers=HALO)
            assert answer.status_code == 200, answer.text
            models = (await http.get("/api/v1/models", headers=HALO)).json()
        (version,) = models["versions"]
        assert version["note"] == "base model shipped with the package"
        assert answer.json()["model_version"] == models["serving"] == version["version"]
        assert models["serving"].startswith("base-") and models["serving"] != "fallback"
        assert version["metrics"]["validation_macro_f1"] > 0.8
    finally:
        await runtime.stop()


def test_a_shipped_model_that_does_not_fit_is_refused_with_the_reason(tmp_path: Path) -> None:
    other = shipped_model()
    other.meta["base"] = other.meta["base"] | {"recipe": "0000000", "sample": 500}
    other.save(tmp_path / "other.npz")
    with pytest.raises(shipped.ShippedModelUnusable, match=r"sample of 500 rows.*another training"):
        shipped.install(tmp_path / "models", tmp_path / "other.npz")
    (tmp_path / "pointer.npz").write_text("version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(shipped.ShippedModelUnusable, match="unreadable"):
        shipped.install(tmp_path / "models", tmp_path / "pointer.npz")
    assert not (tmp_path / "models").exists(), "nothing installed"


async def test_without_a_fitting_shipped_model_a_fresh_atlas_trains_and_says_why(
    fresh_settings: AtlasSettings, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shipped, "SHIPPED", "models/absent.npz")
    # The session's base (and its sidecar) in the model dir: train_base reuses it, in the
    # training process, instead of a minute's fit.
    models = fresh_settings.resolved_model_dir()
    shutil.copytree(model_dir, models)
    with capture_logs() as logs:
        runtime = await started(build_atlas(fresh_settings, clock=FrozenClock()), wait_seconds=60)
    try:
        async with runtime_client(runtime) as http:
            listing = (await http.get("/api/v1/models", headers=HALO)).json()
    finally:
        await runtime.stop()
    (version,) = listing["versions"]
    assert version["note"] == "first model, bundled data only"
    (refused,) = [e for e in logs if e["event"] == "atlas.model.shipped_unusable"]
    assert "absent.npz is neither in the safewatch package nor the repository" in refused["reason"]
    assert any(e["event"] == "atlas.model.training_first" for e in logs)
