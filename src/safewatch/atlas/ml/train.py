"""Fitting the text model, mixing in user feedback, and measuring it.

The recipe (features, C, temperature, feedback weight) was chosen by grouped 5-fold
cross-validation (`python -m safewatch.atlas.ml.experiments`) and the feedback learning
curve (`python -m bench --only learning_curve`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from safewatch.atlas.ml.dataset import Example
from safewatch.atlas.ml.model import FeatureBlock, TextModel
from safewatch.contracts.taxonomy import CATEGORIES

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class BlockSpec:
    analyzer: str
    ngram_range: tuple[int, int]
    min_df: int = 2
    sublinear_tf: bool = True
    weight: float = 1.0


@dataclass(frozen=True)
class Head:
    """One linear classifier over its own TF-IDF blocks; a recipe sums the heads' scores."""

    blocks: tuple[BlockSpec, ...]
    classifier: str = "svc"  # "svc" (LinearSVC), "lr" (LogisticRegression), "sgd" (mod. Huber)
    C: float = 0.5
    class_weight: str | None = None  # None, "sqrt" or "balanced"
    scale: float = 1.0


@dataclass(frozen=True)
class Recipe:
    heads: tuple[Head, ...]
    # Multiplies the summed scores before the softmax; fitted on out-of-fold scores.
    temperature: float = 1.0
    # How much one validated feedback example counts relative to one bundled row.
    feedback_weight: float = 1.0
    # How much a polisen row's press-notice opening counts as an extra example of its label:
    # it teaches words the short summaries lack, but callers only send summaries.
    details_weight: float = 0.0


DEFAULT = Recipe(
    heads=(Head((BlockSpec("word", (1, 3)), BlockSpec("char_wb", (2, 6)))),),
    temperature=3.0,
    feedback_weight=4.0,
    # +0.45 points of macro-F1 in CV for a fit three times as long (20 -> 65 s): affordable now
    # that the base model ships prebuilt instead of training at start-up (ADR 0005).
    details_weight=0.3,
)


def _noop(stage: str, fraction: float) -> None:
    pass


def _fit_block(spec: BlockSpec, texts: Sequence[str]) -> tuple[FeatureBlock, sp.csr_matrix]:
    vectorizer = TfidfVectorizer(
        analyzer=spec.analyzer,
        ngram_range=spec.ngram_range,
        min_df=spec.min_df,
        sublinear_tf=spec.sublinear_tf,
        dtype=np.float32,
    )
    x = vectorizer.fit_transform(texts).tocsr()  # the numbers FeatureBlock.transform gives
    if spec.weight != 1.0:
        x.data *= spec.weight
    block = FeatureBlock(
        analyzer=spec.analyzer,
        ngram_range=spec.ngram_range,
        vocabulary={term: int(i) for term, i in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float32),
        sublinear_tf=spec.sublinear_tf,
        weight=spec.weight,
    )
    return block, x


def _class_weights(labels: np.ndarray, mode: str | None) -> np.ndarray:
    if mode is None:
        return np.ones(len(labels))
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    balanced = len(labels) / (len(classes) * counts)
    per_class = np.sqrt(balanced) if mode == "sqrt" else balanced
    return np.asarray(per_class[inverse], dtype=np.float64)


def _classifier(head: Head, rows: int) -> LinearSVC | LogisticRegression | SGDClassifier:
    if head.classifier == "svc":
        # A fixed seed for liblinear's shuffling: a rebuild of the shipped base is identical.
        return LinearSVC(C=head.C, random_state=0)
    if head.classifier == "lr":
        return LogisticRegression(C=head.C, max_iter=300)
    if head.classifier == "sgd":
        alpha = 1.0 / (head.C * rows)  # the same regularisation strength as C
        return SGDClassifier(
            loss="modified_huber", alpha=alpha, max_iter=30, tol=None, random_state=0
        )
    raise ValueError(f"unknown classifier {head.classifier!r}")


def _layer(classifier: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows in taxonomy order; a category absent from the training data can never win."""
    coef, intercept = classifier.coef_, classifier.intercept_
    classes = list(classifier.classes_)
    if len(classes) == 2:  # sklearn keeps one row for two classes
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    full_coef = np.zeros((len(CATEGORIES), coef.shape[1]), np.float32)
    full_intercept = np.full(len(CATEGORIES), float(intercept.min()) - 10.0, np.float32)
    for row, category in enumerate(classes):
        full_coef[CATEGORIES.index(category)] = coef[row]
        full_intercept[CATEGORIES.index(category)] = intercept[row]
    return full_coef, full_intercept


def _fit_head(
    head: Head, examples: Sequence[Example], step: Callable[[str], None]
) -> tuple[list[FeatureBlock], np.ndarray, np.ndarray]:
    texts = [e.text for e in examples]
    labels = np.array([e.label for e in examples])
    blocks, matrices = [], []
    for spec in head.blocks:
        step(f"features: {spec.analyzer} {spec.ngram_range[0]}-{spec.ngram_range[1]}-grams")
        block, x = _fit_block(spec, texts)
        blocks.append(block)
        matrices.append(x)
    step(f"fitting {head.classifier}")
    weights = np.array([e.weight for e in examples]) * _class_weights(labels, head.class_weight)
    classifier = _classifier(head, len(examples))
    classifier.fit(sp.hstack(matrices, format="csr"), labels, sample_weight=weights)
    coef, intercept = _layer(classifier)
    return blocks, head.scale * coef, head.scale * intercept


def fit(
    examples: Sequence[Example],
    *,
    progress: Progress | None = None,
    recipe: Recipe = DEFAULT,
) -> TextModel:
    """Fit every head on `examples` (each row counted `weight` times) into one linear model."""
    unknown = {e.label for e in examples} - set(CATEGORIES)
    if unknown:
        raise ValueError(f"labels outside the taxonomy: {sorted(unknown)}")
    report = progress or _noop
    details = _details_examples(examples, recipe.details_weight)
    meta: dict[str, Any] = {"rows": len(examples), "details_rows": len(details)}
    examples = [*examples, *details]
    stages = sum(len(h.blocks) + 1 for h in recipe.heads)
    done = 0

    def step(stage: str) -> None:
        nonlocal done
        report(stage, done / stages)
        done += 1

    blocks: list[FeatureBlock] = []
    coefs, intercept = [], np.zeros(len(CATEGORIES), np.float32)
    for head in recipe.heads:
        head_blocks, coef, head_intercept = _fit_head(head, examples, step)
        blocks += head_blocks
        coefs.append(coef)
        intercept += head_intercept
    report("done", 1.0)
    # Summing heads' scores is itself linear: their blocks and weights sit side by side.
    meta["heads"] = [h.classifier for h in recipe.heads]
    return TextModel(CATEGORIES, blocks, np.hstack(coefs), intercept, recipe.temperature, meta)


def _details_examples(examples: Sequence[Example], weight: float) -> list[Example]:
    if weight <= 0:
        return []
    return [
        replace(e, text=e.details, details=None, weight=e.weight * weight)
        for e in examples
        if e.details
    ]


def fit_with_feedback(
    bundled: Sequence[Example],
    feedback: Sequence[Example],
    *,
    progress: Progress | None = None,
    recipe: Recipe = DEFAULT,
) -> TextModel:
    """Bundled rows plus validated feedback, each feedback row counting `feedback_weight` times.

    Feedback is what this deployment's users actually send and label, so it gets more weight
    than the public corpora; the factor comes from the learning curve in
    `bench/learning_curve.py` (gains on the new domain, no loss on the others).
    """
    boosted = [replace(e, weight=e.weight * recipe.feedback_weight) for e in feedback]
    return fit([*bundled, *boosted], progress=progress, recipe=recipe)


def macro_f1(model: TextModel, examples: Sequence[Example]) -> float:
    return float(evaluate(model, examples)["macro_f1"])


def _scores(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    labels = sorted(set(truth))  # macro over the categories this slice really has
    return {
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro")),
        "accuracy": float(np.mean(np.array(truth) == np.array(predicted))),
        "n": len(truth),
    }


def evaluate(model: TextModel, examples: Sequence[Example]) -> dict[str, Any]:
    """Macro-F1 and accuracy overall and per source (macro over the categories present)."""
    if not examples:
        return {"macro_f1": 0.0, "accuracy": 0.0, "n": 0, "by_source": {}}
    predicted = [category for category, _ in model.predict([e.text for e in examples])]
    truth = [e.label for e in examples]
    by_source: dict[str, Any] = {}
    for source in sorted({e.source for e in examples}):
        rows = [i for i, e in enumerate(examples) if e.source == source]
        by_source[source] = _scores([truth[i] for i in rows], [predicted[i] for i in rows])
    return _scores(truth, predicted) | {"by_source": by_source}
