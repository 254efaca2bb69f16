"""Patch scores to timed events, and the audio path as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from safewatch.atlas.media.audio.features import PATCH_SECONDS, patch_start, patches

EVENTS = ("scream", "shout", "gunshot", "glass_break", "siren")


class AudioModel(Protocol):
    name: str
    version: str
    labels: tuple[str, ...]  # the events its score columns stand for

    def scores(self, batch: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class AudioEvent:
    label: str
    confidence: float
    start: float
    end: float


def to_events(
    scores: np.ndarray, labels: tuple[str, ...], threshold: float, duration: float
) -> list[AudioEvent]:
    """Runs of patches at or above the threshold become events with their peak score; runs
    whose patches overlap in time (one patch apart) are one event."""
    found: list[AudioEvent] = []
    for column, label in enumerate(labels):
        above = scores[:, column] >= threshold
        index = 0
        while index < len(above):
            if not above[index]:
                index += 1
                continue
            run_end = index
            while run_end + 1 < len(above) and above[run_end + 1]:
                run_end += 1
            event = AudioEvent(
                label=label,
                confidence=round(float(scores[index : run_end + 1, column].max()), 4),
                start=round(patch_start(index), 2),
                end=round(min(duration, patch_start(run_end) + PATCH_SECONDS), 2),
            )
            previous = found[-1] if found and found[-1].label == label else None
            if previous and event.start <= previous.end:  # one quiet patch between: one event
                confidence = max(previous.confidence, event.confidence)
                event = AudioEvent(label, confidence, previous.start, event.end)
                found.pop()
            found.append(event)
            index = run_end + 1
    return sorted(found, key=lambda event: (event.start, event.label))


def detect(
    model: AudioModel, wave: np.ndarray, sample_rate: int, threshold: float, offset: float = 0.0
) -> list[AudioEvent]:
    """Events in a mono 16 kHz signal; `offset` shifts their times (a chunk of a longer track)."""
    duration = len(wave) / sample_rate
    events = to_events(model.scores(patches(wave)), model.labels, threshold, duration)
    if not offset:
        return events
    return [
        AudioEvent(e.label, e.confidence, round(e.start + offset, 2), round(e.end + offset, 2))
        for e in events
    ]
