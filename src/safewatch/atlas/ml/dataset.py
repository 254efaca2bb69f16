"""The bundled incident texts, the fixed validation split and the data fingerprint."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safewatch.core.bundled import bundled_file

DATA_FILE = "incident_texts_train.jsonl.gz"
# Salted so the split is independent of the evaluators' held-out hash (also sha1 of the text).
_VALIDATION_SALT = "atlas-validation-v1\x1f"
VALIDATION_PERCENT = 10
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str = "feedback"
    lang: str = "und"
    weight: float = 1.0
    # Polisen rows: the opening of the press notice. Training may learn from it (see
    # `Recipe.details_weight`); it is never a model input, as callers send only `text`.
    details: str | None = None


def bundled_data_path() -> Path:
    return bundled_file(DATA_FILE)


def load_bundled(path: Path | None = None) -> list[Example]:
    with gzip.open(path or bundled_data_path(), "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [
        Example(
            text=r["text"],
            label=r["label"],
            source=r["source"],
            lang=r.get("lang", "und"),
            details=r.get("details"),
        )
        for r in rows
    ]


def normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", text.strip().lower())


def text_hash(text: str) -> int:
    digest = hashlib.sha1((_VALIDATION_SALT + normalise(text)).encode("utf-8")).hexdigest()
    return int(digest[:8], 16)


def is_validation(text: str) -> bool:
    """Hashing the normalised text keeps identical texts on one side of the split."""
    return text_hash(text) % 100 < VALIDATION_PERCENT


def split_validation(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, validation): the fixed split used for champion/challenger promotion."""
    train: list[Example] = []
    validation: list[Example] = []
    for example in examples:
        (validation if is_validation(example.text) else train).append(example)
    return train, validation


def data_fingerprint(path: Path | None = None) -> str:
    return _file_digest(path) if path else _bundled_digest()


@functools.cache
def _bundled_digest() -> str:
    """The bundled data does not change while a process runs; start-up asks several times."""
    return _file_digest(bundled_data_path())


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def groups(examples: Sequence[Example]) -> list[int]:
    """Group ids for cross-validation: identical normalised texts share a fold."""
    return [text_hash(e.text) for e in examples]
