"""An operator's YOLO-style ONNX detector (e.g. a YOLOv8 export with weapon or fire classes).

Input `[1, 3, S, S]` float RGB in 0..1, letterboxed; output `[1, 4 + classes, anchors]` with
(cx, cy, w, h) in input pixels then one score per class (the YOLOv8 layout), or its transpose.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from safewatch.atlas.media.vision.objects import DetectedObject

PAD_VALUE = 114


def read_labels(path: Path) -> list[str]:
    labels = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    labels = [label for label in labels if label]
    if not labels:
        raise ValueError(f"{path} lists no labels (one class name per line)")
    return labels


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Resize keeping the aspect ratio, pad to size x size; returns the scale and padding."""
    height, width = image.shape[:2]
    scale = min(size / height, size / width)
    new_w, new_h = round(width * scale), round(height * scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
    canvas = np.full((size, size, 3), PAD_VALUE, np.uint8)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return canvas, scale, (pad_x, pad_y)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression (boxes as x1, y1, x2, y2)."""
    order = np.argsort(-scores)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(int(best))
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        union = areas[best] + areas[rest] - overlap
        order = rest[overlap / np.maximum(union, 1e-9) <= iou]
    return keep


class OnnxYoloDetector:
    def __init__(
        self, model: Path, labels: Path, *, confidence: float, iou: float, size: int
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0]
        fixed = self._input.shape[2]
        self.size = fixed if isinstance(fixed, int) else size
        self.labels = read_labels(labels)
        self.confidence, self.iou = confidence, iou
        self.name, self.version = model.stem, f"onnx-{len(self.labels)}c-{self.size}"

    def detect(self, image: np.ndarray) -> list[DetectedObject]:
        canvas, scale, (pad_x, pad_y) = letterbox(image, self.size)
        tensor = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        output = np.asarray(self._session.run(None, {self._input.name: tensor})[0])[0]
        rows = self._rows(output)
        class_ids = rows[:, 4:].argmax(axis=1)
        scores = rows[np.arange(len(rows)), 4 + class_ids]
        chosen = scores >= self.confidence
        rows, class_ids, scores = rows[chosen], class_ids[chosen], scores[chosen]
        cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        boxes = (
            np.stack(
                [cx - w / 2 - pad_x, cy - h / 2 - pad_y, cx + w / 2 - pad_x, cy + h / 2 - pad_y],
                axis=1,
            )
            / scale
        )
        height, width = image.shape[:2]
        boxes = np.clip(boxes, 0, [width, height, width, height])
        # Class-aware: shifting each class's boxes apart keeps classes from suppressing each other.
        shifted = boxes + class_ids[:, None] * (max(width, height) + 1.0)
        found = [
            DetectedObject(
                self.labels[class_ids[i]],
                round(float(scores[i]), 4),
                tuple(round(float(v)) for v in boxes[i]),  # type: ignore[arg-type]
            )
            for i in nms(shifted, scores, self.iou)
        ]
        return found

    def _rows(self, output: np.ndarray) -> np.ndarray:
        """(anchors, 4 + classes) whichever way round the model writes them."""
        width = 4 + len(self.labels)
        if output.shape[0] == width:
            return output.T
        if output.shape[-1] == width:
            return output
        raise ValueError(
            f"model output {output.shape} does not fit {len(self.labels)} labels (4 + classes)"
        )
