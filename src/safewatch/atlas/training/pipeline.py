"""Train a challenger and measure it beside the champion. Plain, synchronous and picklable:
the service runs it in a separate process, the CLI runs it in place with a progress bar."""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safewatch.atlas.ml.dataset import (
    Example,
    data_fingerprint,
    load_bundled,
    split_validation,
)
from safewatch.atlas.ml.lexicon import lexicon_examples
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.ml.train import DEFAULT, evaluate, fit_with_feedback

Progress = Callable[[str, float], None]
# With fewer recent feedback items than this, none can be held back to judge the challenger:
# it is judged on all of them (it has seen them), and the validation split guards the rest.
MIN_FEEDBACK_HOLDOUT = 20
HOLDOUT_PERCENT = 20


@dataclass(frozen=True)
class FeedbackItem:
    prediction_id: str
    text: str
    label: str
    recent: bool = True


@dataclass(frozen=True)
class TrainRequest:
    version: str
    model_dir: str
    sample: int = 0  # bundled rows to train on, 0 = all
    feedback: Sequence[FeedbackItem] = ()
    champion_artifact: str | None = None


@dataclass
class TrainOutcome:
    artifact: str
    metrics: dict[str, Any]
    trained_on: dict[str, Any]
    champion_metrics: dict[str, Any] | None = None
    reused: bool = False


@functools.cache  # module constants only
def recipe_fingerprint() -> str:
    """Changes whenever the training recipe or the lexicon does, so no stale base is reused."""
    recipe = repr(DEFAULT) + repr([(e.text, e.label) for e in lexicon_examples()])
    return hashlib.sha1(recipe.encode()).hexdigest()[:8]


def base_artifact_name(sample: int) -> str:
    """The first model depends only on the bundled data, the sample and the recipe."""
    return f"base-{data_fingerprint()}-{sample or 'all'}-{recipe_fingerprint()}.npz"


def bundled_examples(sample: int) -> tuple[list[Example], list[Example]]:
    """(train, validation) from the bundled data; a sample is a fixed random subset. The
    keyword lexicon joins the training side only."""
    examples = load_bundled()
    if sample and sample < len(examples):
        examples = random.Random(7).sample(examples, sample)
    train_rows, validation = split_validation(examples)
    return train_rows + lexicon_examples(), validation


def holds_back(prediction_id: str) -> bool:
    digest = hashlib.sha1(prediction_id.encode()).hexdigest()
    return int(digest[:8], 16) % 100 < HOLDOUT_PERCENT


def split_feedback(
    items: Sequence[FeedbackItem],
) -> tuple[list[FeedbackItem], list[FeedbackItem], str]:
    """(to learn from, to judge on, how judged)."""
    recent = [item for item in items if item.recent]
    if len(recent) < MIN_FEEDBACK_HOLDOUT:
        return list(items), recent, "all recent feedback (too few to hold any back)"
    judge = [item for item in recent if holds_back(item.prediction_id)]
    held = {item.prediction_id for item in judge}
    return [i for i in items if i.prediction_id not in held], judge, "held-back recent feedback"


def accuracy_on(model: TextModel, items: Sequence[FeedbackItem]) -> float | None:
    if not items:
        return None
    predicted = model.predict([item.text for item in items])
    hits = sum(p == item.label for (p, _), item in zip(predicted, items, strict=True))
    return round(hits / len(items), 4)


def measure(
    model: TextModel, validation: Sequence[Example], judge: Sequence[FeedbackItem]
) -> dict[str, Any]:
    report = evaluate(model, validation)
    return {
        "validation_macro_f1": round(float(report["macro_f1"]), 4),
        "validation_by_source": report.get("by_source", {}),
        "feedback_accuracy": accuracy_on(model, judge),
        "feedback_judged": len(judge),
    }


def train(request: TrainRequest, progress: Progress | None = None) -> TrainOutcome:
    """Fit on bundled train rows plus feedback; measure challenger and champion alike."""
    step = progress or (lambda stage, fraction: None)
    step("loading data", 0.0)
    train_rows, validation = bundled_examples(request.sample)
    learn, judge, judged_on = split_feedback(request.feedback)
    feedback = [Example(text=i.text, label=i.label) for i in learn]
    model = fit_with_feedback(train_rows, feedback, progress=lambda s, f: step(s, 0.05 + 0.8 * f))
    step("measuring", 0.9)
    directory = Path(request.model_dir)
    directory.mkdir(parents=True, exist_ok=True)
    artifact = f"{request.version}.npz"
    model.save(directory / artifact)
    metrics = measure(model, validation, judge) | {"feedback_judged_on": judged_on}
    champion_metrics = None
    if request.champion_artifact:
        champion = TextModel.load(directory / request.champion_artifact)
        champion_metrics = measure(champion, validation, judge)
    step("done", 1.0)
    trained_on = {
        "bundled_rows": len(train_rows),
        "validation_rows": len(validation),
        "feedback_rows": len(feedback),
        "data_fingerprint": data_fingerprint(),
    }
    return TrainOutcome(artifact, metrics, trained_on, champion_metrics)


def train_base(model_dir: str, sample: int, progress: Progress | None = None) -> TrainOutcome:
    """The first champion, reused from the model directory when already built."""
    directory = Path(model_dir)
    name = base_artifact_name(sample)
    sidecar = directory / f"{name}.json"
    if (directory / name).is_file() and sidecar.is_file():
        saved = json.loads(sidecar.read_text())
        return TrainOutcome(name, saved["metrics"], saved["trained_on"], reused=True)
    outcome = train(
        TrainRequest(version=name.removesuffix(".npz"), model_dir=model_dir, sample=sample),
        progress,
    )
    sidecar.write_text(json.dumps({"metrics": outcome.metrics, "trained_on": outcome.trained_on}))
    return outcome


def decide(outcome: TrainOutcome, tolerance: float) -> tuple[bool, str]:
    """Champion/challenger: no regression on the validation split, better on recent feedback."""
    challenger, champion = outcome.metrics, outcome.champion_metrics
    if champion is None:
        return True, "first model"
    new_f1, old_f1 = challenger["validation_macro_f1"], champion["validation_macro_f1"]
    if new_f1 < old_f1 - tolerance:
        return False, f"regresses on the validation split: macro-F1 {new_f1:.4f} vs {old_f1:.4f}"
    new_acc, old_acc = challenger["feedback_accuracy"], champion["feedback_accuracy"]
    if new_acc is None:
        return False, "no recent feedback to show an improvement"
    if new_acc <= old_acc:
        return False, f"no better on recent feedback: {new_acc:.2%} vs {old_acc:.2%}"
    return True, (
        f"feedback accuracy {old_acc:.2%} -> {new_acc:.2%}, validation macro-F1 "
        f"{old_f1:.4f} -> {new_f1:.4f}"
    )
