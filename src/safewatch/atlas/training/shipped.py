"""The base threat model that ships with the package (`data/models/threat-base.npz`).

`safewatch atlas train --base` builds it from the bundled data; a fresh Atlas copies it into
its model directory in about a second instead of training for a minute at start-up. It is used
only when it was built from this data by this recipe, on every row; otherwise Atlas trains as
before and logs why."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safewatch.atlas.ml.dataset import data_fingerprint
from safewatch.atlas.ml.model import TextModel, read_params
from safewatch.atlas.training import pipeline
from safewatch.core.bundled import bundled_file

SHIPPED = "models/threat-base.npz"  # under data/, in the repository and in the wheel


class ShippedModelUnusable(Exception):
    """The shipped base is missing, unreadable or built from other data or another recipe."""


def build(
    out: Path, sample: int = 0, progress: pipeline.Progress | None = None
) -> pipeline.TrainOutcome:
    """Train the base on the bundled data alone and write it to `out`, with its provenance
    and validation metrics in the artifact's meta."""
    name = pipeline.base_artifact_name(sample)
    with tempfile.TemporaryDirectory() as scratch:
        request = pipeline.TrainRequest(name.removesuffix(".npz"), model_dir=scratch, sample=sample)
        outcome = pipeline.train(request, progress)
        model = TextModel.load(Path(scratch) / outcome.artifact)
    model.meta["base"] = {
        "artifact": name,
        "data_fingerprint": data_fingerprint(),
        "recipe": pipeline.recipe_fingerprint(),
        "sample": sample,
        "metrics": outcome.metrics,
        "trained_on": outcome.trained_on,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return outcome


def install(model_dir: Path, source: Path | None = None) -> pipeline.TrainOutcome:
    """Copy the shipped base into `model_dir` under the name training it would give, with
    the sidecar `train_base` reuses. Raises ShippedModelUnusable with the reason."""
    path = source or _locate()
    base = _provenance(path)
    problems = _mismatch(base)
    if problems:
        raise ShippedModelUnusable(f"{path} does not fit: {'; '.join(problems)}")
    expected = pipeline.base_artifact_name(0)
    model_dir.mkdir(parents=True, exist_ok=True)
    _replace(model_dir / expected, lambda partial: shutil.copyfile(path, partial))
    saved = {"metrics": base["metrics"], "trained_on": base["trained_on"] | {"shipped": True}}
    _replace(model_dir / f"{expected}.json", lambda partial: partial.write_text(json.dumps(saved)))
    return pipeline.TrainOutcome(expected, saved["metrics"], saved["trained_on"], reused=True)


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    """Write beside `target`, then rename: a reader never sees half a file, and processes
    sharing a model directory never write into one another's partial file."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _locate() -> Path:
    try:
        return bundled_file(SHIPPED)
    except FileNotFoundError as exc:
        raise ShippedModelUnusable(str(exc)) from exc


def _provenance(path: Path) -> dict[str, Any]:
    try:
        params = read_params(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ShippedModelUnusable(f"{path} is unreadable: {exc}") from exc
    base = params["meta"].get("base")
    if not isinstance(base, dict):
        raise ShippedModelUnusable(f"{path} has no base provenance (not built with --base)")
    return base


def _mismatch(base: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    if base.get("sample"):
        reasons.append(f"built on a sample of {base['sample']} rows, not all of them")
    if base.get("data_fingerprint") != data_fingerprint():
        reasons.append("built from other bundled data")
    if base.get("recipe") != pipeline.recipe_fingerprint():
        reasons.append("built by another training recipe or lexicon")
    return reasons
