"""The built-in audio event model: a linear classifier over log-mel summaries.

Trained only on synthetic sounds (see `synth.py`): it knows the physics of each event, not
the variety of real recordings. Treat its scores as a screening signal and plug in a real
AudioSet model (`ATLAS_MEDIA_AUDIO_MODEL`) where one is licensed for use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from safewatch.atlas.media.audio.features import summarise

CLASSES = ("background", "scream", "shout", "gunshot", "glass_break", "siren")
MODEL_PATH = Path(__file__).with_name("builtin_model.npz")
NAME = "safewatch-audio-synthetic"


class BuiltinAudioModel:
    """Scores each 0.96 s patch for every event in CLASSES (background first)."""

    name = NAME
    labels: tuple[str, ...] = CLASSES[1:]

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path) as weights:
            self._mean = weights["mean"]
            self._scale = weights["scale"]
            self._coef = weights["coef"]
            self._intercept = weights["intercept"]
        self.version = f"lr-{self._coef.shape[1]}f"

    def scores(self, batch: np.ndarray) -> np.ndarray:
        """Event probabilities (N, 5) for log-mel patches (N, 96, 64)."""
        x = (summarise(batch) - self._mean) / self._scale
        logits = x @ self._coef.T + self._intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities[:, 1:]
