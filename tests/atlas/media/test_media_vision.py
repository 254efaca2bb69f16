"""Photo detectors: the YOLO-style ONNX decoding (letterbox, layout, NMS) and faces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data
from tests.atlas.media.media_samples import constant_detector

from safewatch.atlas.media.vision.faces import HaarFaceDetector, blur_regions
from safewatch.atlas.media.vision.yolo import OnnxYoloDetector, letterbox, nms

LABELS = "person\nknife\nfire\n"


def rows(*predictions: tuple[float, float, float, float, int, float]) -> np.ndarray:
    """[4 + 3, N] from (cx, cy, w, h, class, score) in the model's 64 x 64 input pixels."""
    out = np.zeros((7, len(predictions)), np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(predictions):
        out[:4, i] = (cx, cy, w, h)
        out[4 + cls, i] = score
    return out


def detector(tmp_path: Path, predictions: np.ndarray, confidence: float = 0.25) -> OnnxYoloDetector:
    (tmp_path / "labels.txt").write_text(LABELS)
    model = constant_detector(tmp_path / "det.onnx", predictions)
    return OnnxYoloDetector(
        model, tmp_path / "labels.txt", confidence=confidence, iou=0.45, size=640
    )


def test_boxes_come_back_in_the_original_images_pixels(tmp_path: Path) -> None:
    # A 128 x 64 image letterboxed into 64 x 64: scale 0.5, 16 px of padding above and below.
    found = detector(tmp_path, rows((32, 32, 16, 16, 1, 0.9))).detect(
        np.zeros((64, 128, 3), np.uint8)
    )
    assert [(o.label, o.confidence) for o in found] == [("knife", 0.9)]
    assert found[0].box == (48, 16, 80, 48)


def test_nms_is_per_class_and_thresholds_apply(tmp_path: Path) -> None:
    predictions = rows(
        (20, 20, 10, 10, 1, 0.9),  # knife
        (21, 20, 10, 10, 1, 0.8),  # the same knife again: suppressed
        (21, 20, 10, 10, 0, 0.7),  # a person at the same place: another class, kept
        (50, 50, 8, 8, 2, 0.2),  # fire below the threshold
    )
    found = detector(tmp_path, predictions).detect(np.zeros((64, 64, 3), np.uint8))
    assert sorted((o.label, o.confidence) for o in found) == [("knife", 0.9), ("person", 0.7)]


def test_transposed_output_layout_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text(LABELS)
    model = constant_detector(tmp_path / "t.onnx", rows((32, 32, 8, 8, 2, 0.6)).T)
    found = OnnxYoloDetector(model, tmp_path / "labels.txt", confidence=0.25, iou=0.45, size=640)
    assert [o.label for o in found.detect(np.zeros((64, 64, 3), np.uint8))] == ["fire"]


def test_a_label_file_that_does_not_fit_the_model_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("person\nknife\n")
    model = constant_detector(tmp_path / "d.onnx", rows((32, 32, 8, 8, 2, 0.6)))
    wrong = OnnxYoloDetector(model, tmp_path / "labels.txt", confidence=0.25, iou=0.45, size=640)
    with pytest.raises(ValueError, match="does not fit 2 labels"):
        wrong.detect(np.zeros((64, 64, 3), np.uint8))


def test_letterbox_and_nms_primitives() -> None:
    canvas, scale, pad = letterbox(np.full((100, 200, 3), 255, np.uint8), 64)
    assert canvas.shape == (64, 64, 3) and scale == 0.32 and pad == (0, 16)
    assert canvas[0, 0, 0] == 114 and canvas[32, 32, 0] == 255
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.8]), 0.45) == [1, 2]


def test_faces_are_found_in_a_real_photo_and_not_in_others() -> None:
    faces = HaarFaceDetector()
    (face,) = faces.detect(skimage.data.astronaut())
    x1, y1, x2, y2 = face.box
    assert 150 < (x1 + x2) / 2 < 260 and 60 < (y1 + y2) / 2 < 170, face.box
    assert faces.detect(skimage.data.coffee()) == []
    assert faces.detect(skimage.data.chelsea()) == []


def detail(pixels: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels: edges, texture, features."""
    return float(np.abs(np.diff(pixels.astype(np.float32), axis=1)).mean())


def test_blurring_removes_the_faces_detail_and_leaves_the_rest() -> None:
    image = skimage.data.astronaut()
    (face,) = HaarFaceDetector().detect(image)
    blurred = blur_regions(image, [face.box])
    x1, y1, x2, y2 = face.box
    assert detail(blurred[y1:y2, x1:x2]) < 0.25 * detail(image[y1:y2, x1:x2])
    assert np.array_equal(blurred[400:, 400:], image[400:, 400:])
    assert HaarFaceDetector().detect(blurred) == []


def test_a_large_photo_is_scanned_small_and_boxes_map_back() -> None:
    image = skimage.data.astronaut()
    large = np.kron(image, np.ones((3, 3, 1), np.uint8))  # 1536 x 1536
    (small_face,) = HaarFaceDetector().detect(image)
    (large_face,) = HaarFaceDetector().detect(large)
    assert all(abs(a * 3 - b) <= 12 for a, b in zip(small_face.box, large_face.box, strict=True))
