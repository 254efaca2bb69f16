"""The model that answers right now: the promoted version once loaded, keywords until then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safewatch.atlas.ml.model import TextModel
from safewatch.contracts import fallback
from safewatch.contracts.taxonomy import CATEGORIES, describe
from safewatch.contracts.threats import Classification

FALLBACK_VERSION = "fallback"


@dataclass(frozen=True)
class Labelled:
    classification: Classification
    scores: list[float]  # probabilities in CATEGORIES order: what "near in meaning" compares
    model_version: str


class ThreatEngine:
    def __init__(self) -> None:
        self._model: TextModel | None = None
        self._version = FALLBACK_VERSION

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def version(self) -> str:
        return self._version

    def install(self, model: TextModel, version: str) -> None:
        if tuple(model.categories) != CATEGORIES:
            raise ValueError(f"model {version} was trained on other categories")
        # One assignment each; a request in flight keeps the pair it read.
        self._model, self._version = model, version

    def classify(self, texts: Sequence[str]) -> list[Labelled]:
        model, version = self._model, self._version
        if model is None:
            return [_keyword_label(text) for text in texts]
        probabilities = model.predict_proba(texts)
        labelled = []
        for text, row in zip(texts, probabilities, strict=True):
            best = int(row.argmax())
            scores = [round(float(p), 4) for p in row]
            label = describe(CATEGORIES[best], text, confidence=round(float(row[best]), 4))
            labelled.append(Labelled(label, scores, version))
        return labelled


def _keyword_label(text: str) -> Labelled:
    label = fallback.classify_text(text)
    rest = (1.0 - label.confidence) / (len(CATEGORIES) - 1)
    scores = [
        label.confidence if category == label.threat_category else rest for category in CATEGORIES
    ]
    return Labelled(label, [round(s, 4) for s in scores], FALLBACK_VERSION)
