"""Faces with OpenCV's bundled Haar cascade: counted, and blurred before storage on request.

Chosen because it installs with numpy 2 and ships its model; it finds frontal faces only
(measurements in docs/media.md).
"""

from __future__ import annotations

import cv2
import numpy as np

from safewatch.atlas.media.vision.objects import DetectedObject

CASCADE = "haarcascade_frontalface_default.xml"
SCAN_SIDE = 640


class HaarFaceDetector:
    name = "opencv-haar-frontalface"
    version = cv2.__version__

    def __init__(self) -> None:
        self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)  # type: ignore[attr-defined]
        if self._cascade.empty():
            raise RuntimeError(f"OpenCV has no {CASCADE}; install opencv-python-headless < 5")

    def detect(self, image: np.ndarray) -> list[DetectedObject]:
        # The scan costs grow with pixels: look at most at 640 px a side, map boxes back.
        scale = min(1.0, SCAN_SIDE / max(image.shape[:2]))
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
        side = max(24, min(gray.shape) // 20)
        boxes, _, weights = self._cascade.detectMultiScale3(
            gray, scaleFactor=1.2, minNeighbors=5, minSize=(side, side), outputRejectLevels=True
        )
        found = []
        for (x, y, w, h), weight in zip(np.asarray(boxes).tolist(), np.ravel(weights), strict=True):
            box = (
                round(x / scale),
                round(y / scale),
                round((x + w) / scale),
                round((y + h) / scale),
            )
            # The cascade's last-stage weight, squashed to 0-1: a ranking, not a probability.
            score = round(float(1 / (1 + np.exp(-weight / 2))), 4)
            found.append(DetectedObject("face", score, box))
        return found


def blur_regions(image: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A copy with each box (grown by a fifth) pixelated past recognition, then smoothed."""
    out = image.copy()
    height, width = out.shape[:2]
    for x1, y1, x2, y2 in boxes:
        pad_x, pad_y = (x2 - x1) // 5, (y2 - y1) // 5
        x1, y1 = max(0, x1 - pad_x), max(0, y1 - pad_y)
        x2, y2 = min(width, x2 + pad_x), min(height, y2 + pad_y)
        region = out[y1:y2, x1:x2]
        if region.size == 0:
            continue
        small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
        blocky = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)
        out[y1:y2, x1:x2] = cv2.GaussianBlur(blocky, (0, 0), max(1.0, (x2 - x1) / 12))
    return out
