"""What a photo detector finds, and the interface every photo backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class DetectedObject:
    label: str
    confidence: float
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in the image's pixels


class ObjectDetector(Protocol):
    name: str
    version: str

    def detect(self, image: np.ndarray) -> list[DetectedObject]:
        """Objects in an RGB uint8 image (H, W, 3)."""
        ...
