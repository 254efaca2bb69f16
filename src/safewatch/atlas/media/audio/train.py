"""Train the built-in audio model on synthetic scenes.

Run `python -m safewatch.atlas.media.audio.train`.

The weights ship beside this file (`builtin_model.npz`); training is deterministic from a seed,
so the file can always be remade and checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.preprocessing import StandardScaler

from safewatch.atlas.media.audio import synth
from safewatch.atlas.media.audio.builtin import CLASSES, MODEL_PATH
from safewatch.atlas.media.audio.features import patches, summarise


def dataset(seed: int, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """One-second scenes (one patch each): background alone or with one event in it."""
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for label, name in enumerate(CLASSES):
        for _ in range(per_class):
            events = [] if name == "background" else [(name, rng.uniform(0.0, 0.35))]
            wave = synth.scene(rng, 1.0, events, snr_db=rng.uniform(0, 25))
            features.append(summarise(patches(wave))[0])
            labels.append(label)
    return np.stack(features), np.array(labels)


def train(
    per_class: int = 500, test_per_class: int = 100, seed: int = 7
) -> tuple[dict[str, np.ndarray], str]:
    """Fit on one seed's scenes, report on another's; returns the weights and the report."""
    x, y = dataset(seed, per_class)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=0.5, max_iter=3000).fit(scaler.transform(x), y)
    x_test, y_test = dataset(seed + 1, test_per_class)
    predicted = model.predict(scaler.transform(x_test))
    report = classification_report(y_test, predicted, target_names=list(CLASSES), digits=3)
    weights = {
        "mean": scaler.mean_.astype(np.float32),
        "scale": scaler.scale_.astype(np.float32),
        "coef": model.coef_.astype(np.float32),
        "intercept": model.intercept_.astype(np.float32),
    }
    return weights, report


def save(weights: dict[str, np.ndarray], path: Path = MODEL_PATH) -> None:
    np.savez_compressed(path, **weights)  # type: ignore[arg-type]


if __name__ == "__main__":
    trained, text = train()
    save(trained)
    print(text)
