"""A linear text classifier over TF-IDF blocks, saved as plain arrays and JSON (no pickle).

Inference rebuilds each block from its vocabulary and idf weights with a `CountVectorizer`
plus our own sublinear-tf/idf/L2 steps, so the artifact does not depend on sklearn's pickled
internals and loads the same across versions.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

FORMAT = "safewatch.atlas.text-model/1"


@dataclass
class FeatureBlock:
    """One TF-IDF view of the text (words or character n-grams), already fitted."""

    analyzer: str  # "word", "char" or "char_wb"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32, one per vocabulary entry
    sublinear_tf: bool = True
    weight: float = 1.0

    def __post_init__(self) -> None:
        self._counter = CountVectorizer(
            analyzer=self.analyzer,
            ngram_range=self.ngram_range,
            vocabulary=self.vocabulary,
            dtype=np.float32,
        )

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Same numbers as sklearn's TfidfVectorizer(sublinear_tf, norm="l2"), times `weight`."""
        x = self._counter.transform(texts).tocsr()
        if self.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        x.data *= self.idf[x.indices]
        normalize(x, norm="l2", copy=False)
        if self.weight != 1.0:
            x.data *= self.weight
        return x

    def params(self) -> dict[str, Any]:
        return {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "sublinear_tf": self.sublinear_tf,
            "weight": self.weight,
            "terms": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
        }


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class TextModel:
    """Feature blocks, one linear layer, and a temperature that turns scores into probabilities."""

    def __init__(
        self,
        categories: Sequence[str],
        blocks: Sequence[FeatureBlock],
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        meta: dict[str, Any] | None = None,
    ) -> None:
        width = sum(b.size for b in blocks)
        if coef.shape != (len(categories), width) or intercept.shape != (len(categories),):
            raise ValueError(f"coef {coef.shape} does not fit {len(categories)} x {width}")
        self.categories: tuple[str, ...] = tuple(categories)
        self.blocks = list(blocks)
        # Rounded to float16 as stored, so a saved and reloaded model scores identically.
        # Transposed and C-contiguous: sparse (n x F) @ dense (F x k) is the hot path.
        self._weights = np.ascontiguousarray(coef.T.astype(np.float16), dtype=np.float32)
        self.intercept = intercept.astype(np.float32)
        self.temperature = float(temperature)
        self.meta = dict(meta or {})

    @property
    def coef(self) -> np.ndarray:
        return self._weights.T

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([b.transform(texts) for b in self.blocks], format="csr")

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.features(texts) @ self._weights
        return np.asarray(scores) + self.intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.categories)))
        return softmax(self.temperature * self.decision_function(texts).astype(np.float64))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [(self.categories[i], float(p[i])) for i, p in zip(best, proba, strict=True)]

    def save(self, path: Path) -> None:
        params = {
            "format": FORMAT,
            "categories": list(self.categories),
            "temperature": self.temperature,
            "blocks": [b.params() for b in self.blocks],
            "meta": self.meta,
        }
        arrays: dict[str, Any] = {
            f"idf_{i}": b.idf.astype(np.float32) for i, b in enumerate(self.blocks)
        }
        # float16 halves the artifact; the rounding moves scores by ~1e-3 at most.
        arrays["coef"] = self.coef.astype(np.float16)
        arrays["intercept"] = self.intercept.astype(np.float32)
        arrays["params"] = np.frombuffer(json.dumps(params).encode("utf-8"), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        # Write then rename: a reader never sees a half-written model.
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TextModel:
        with np.load(path, allow_pickle=False) as data:
            params = _params(path, data)
            blocks = [
                FeatureBlock(
                    analyzer=b["analyzer"],
                    ngram_range=(b["ngram_range"][0], b["ngram_range"][1]),
                    vocabulary={term: i for i, term in enumerate(b["terms"])},
                    idf=data[f"idf_{i}"],
                    sublinear_tf=b["sublinear_tf"],
                    weight=b["weight"],
                )
                for i, b in enumerate(params["blocks"])
            ]
            coef = data["coef"].astype(np.float32)
            intercept = data["intercept"]
        return cls(
            params["categories"], blocks, coef, intercept, params["temperature"], params["meta"]
        )


def read_params(path: Path) -> dict[str, Any]:
    """The artifact's categories, blocks and meta without loading its arrays."""
    with np.load(path, allow_pickle=False) as data:
        return _params(path, data)


def _params(path: Path, data: Any) -> dict[str, Any]:
    params: dict[str, Any] = json.loads(data["params"].tobytes().decode("utf-8"))
    if params.get("format") != FORMAT:
        raise ValueError(f"{path} is a {params.get('format')!r} artifact, not {FORMAT!r}")
    return params
