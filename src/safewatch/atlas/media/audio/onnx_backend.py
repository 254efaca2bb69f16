"""An operator-provided AudioSet classifier in ONNX (YAMNet-style), mapped to our events.

The model takes log-mel patches [N or 1, 1, 96, 64] and returns class scores [N or 1, C]
for the classes in its class map (YAMNet's `yamnet_class_map.csv`: index, mid, display_name;
or one name per line). Quantised models (uint8 in and out, like the QDQ YAMNet some packages
ship) are fed and read with the quantisation parameters given here; their outputs are logits.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import onnxruntime as ort

from safewatch.atlas.media.audio.events import EVENTS

# AudioSet display names behind each event.
AUDIOSET_EVENTS: dict[str, tuple[str, ...]] = {
    "scream": ("Screaming",),
    "shout": ("Shout", "Yell", "Battle cry", "Children shouting"),
    "gunshot": ("Gunshot, gunfire", "Machine gun", "Fusillade", "Artillery fire", "Cap gun"),
    "glass_break": ("Shatter", "Glass"),
    "siren": (
        "Siren",
        "Civil defense siren",
        "Police car (siren)",
        "Ambulance (siren)",
        "Fire engine, fire truck (siren)",
        "Emergency vehicle",
    ),
}
# The quantisation of the QDQ YAMNet seen in packages: input log-mel, output logits.
UINT8_INPUT = (0.047938, 144)
UINT8_OUTPUT = (0.756542, 190)


def read_class_map(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if rows and rows[0][-1].strip().lower() == "display_name":
        rows = rows[1:]
    return [row[-1].strip() for row in rows]


class OnnxAudioModel:
    """Scores for our events: per event, the highest score among its AudioSet classes."""

    labels: tuple[str, ...] = EVENTS

    def __init__(self, model: Path, class_map: Path) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0]
        self._quantised = self._input.type == "tensor(uint8)"
        self._batch = self._input.shape[0] if isinstance(self._input.shape[0], int) else None
        names = read_class_map(class_map)
        self._columns = [
            [names.index(n) for n in AUDIOSET_EVENTS[event] if n in names] for event in EVENTS
        ]
        if not any(self._columns):
            raise ValueError(f"{class_map} names none of the AudioSet classes behind {EVENTS}")
        self.name = model.stem
        self.version = f"onnx-{len(names)}c"

    def _run(self, batch: np.ndarray) -> np.ndarray:
        x = batch[:, None].astype(np.float32)
        if self._quantised:
            scale, zero = UINT8_INPUT
            x = np.clip(np.round(x / scale + zero), 0, 255).astype(np.uint8)  # type: ignore[assignment]
        if self._batch == 1:
            out = np.concatenate(
                [
                    self._session.run(None, {self._input.name: x[i : i + 1]})[0]
                    for i in range(len(x))
                ]
            )
        else:
            out = self._session.run(None, {self._input.name: x})[0]
        if self._quantised:
            scale, zero = UINT8_OUTPUT
            return np.asarray(1.0 / (1.0 + np.exp(-scale * (out.astype(np.float32) - zero))))
        return np.asarray(out, np.float32)

    def scores(self, batch: np.ndarray) -> np.ndarray:
        raw = self._run(batch)
        columns = [
            raw[:, cols].max(axis=1) if cols else np.zeros(len(raw)) for cols in self._columns
        ]
        return np.stack(columns, axis=1)
