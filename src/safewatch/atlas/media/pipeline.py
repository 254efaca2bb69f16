"""The analysis of one file: decode within limits, run every backend, infer threats.

Synchronous and CPU-bound: the service runs it in a worker thread. Backends are loaded once;
an operator model that fails to load becomes a warning on every answer, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safewatch.atlas.media import decode
from safewatch.atlas.media.audio.builtin import BuiltinAudioModel
from safewatch.atlas.media.audio.events import AudioEvent, AudioModel, detect
from safewatch.atlas.media.audio.onnx_backend import OnnxAudioModel
from safewatch.atlas.media.errors import BadMedia, Deadline
from safewatch.atlas.media.settings import MediaSettings
from safewatch.atlas.media.threats import Evidence, Threat, infer
from safewatch.atlas.media.vision.faces import HaarFaceDetector, blur_regions
from safewatch.atlas.media.vision.objects import ObjectDetector
from safewatch.atlas.media.vision.yolo import OnnxYoloDetector
from safewatch.core.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class FoundObject:
    label: str
    confidence: float
    box: tuple[int, int, int, int]
    at_seconds: float | None = None


@dataclass
class Analysis:
    media_type: str
    format: str
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    objects: list[FoundObject] = field(default_factory=list)
    audio_events: list[AudioEvent] = field(default_factory=list)
    threats: list[Threat] = field(default_factory=list)
    models: list[dict[str, str]] = field(default_factory=list)
    privacy: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stored_image: bytes | None = None  # the sanitised photo, when kept


class MediaAnalyzer:
    def __init__(self, settings: MediaSettings) -> None:
        self.settings = settings
        self.load_warnings: list[str] = []
        self.faces = HaarFaceDetector()
        self.objects: ObjectDetector | None = self._photo_model()
        self.audio: AudioModel = self._audio_model() or BuiltinAudioModel()

    def _photo_model(self) -> ObjectDetector | None:
        s = self.settings
        if not s.photo_model:
            return None
        if not s.photo_labels:
            self.load_warnings.append(
                "ATLAS_MEDIA_PHOTO_MODEL is set without ATLAS_MEDIA_PHOTO_LABELS: "
                "object detection is off"
            )
            return None
        try:
            return OnnxYoloDetector(
                s.photo_model,
                s.photo_labels,
                confidence=s.photo_confidence,
                iou=s.photo_iou,
                size=s.photo_size,
            )
        except Exception as exc:  # any load failure of an operator file means "not available"
            log.warning("media_photo_model_unavailable", path=str(s.photo_model), error=str(exc))
            self.load_warnings.append(
                f"The photo model {s.photo_model.name} could not be loaded: object detection is off"
            )
            return None

    def _audio_model(self) -> AudioModel | None:
        s = self.settings
        if not (s.audio_model and s.audio_labels):
            return None
        try:
            return OnnxAudioModel(s.audio_model, s.audio_labels)
        except Exception as exc:  # fall back to the built-in model rather than fail uploads
            log.warning("media_audio_model_unavailable", path=str(s.audio_model), error=str(exc))
            self.load_warnings.append(
                f"The audio model {s.audio_model.name} could not be loaded: "
                "the built-in model ran instead"
            )
            return None

    def analyze(self, data: bytes, media_type: str) -> Analysis:
        """Sniff, decode and analyse `data`; bad input raises an AppError (413/415/422)."""
        deadline = Deadline(self.settings.time_limit_seconds)
        fmt = decode.sniff(data, media_type)
        result = Analysis(media_type, fmt, warnings=list(self.load_warnings))
        result.privacy = {"metadata_stripped": [], "faces_blurred": 0, "media_stored": False}
        if media_type == "photo":
            self._photo(data, result)
        else:
            with decode.staged(data, fmt, self.settings.tmp_dir) as path:
                probed = self._probe(path, result, deadline)
                if media_type == "video":
                    self._video(path, probed, result, deadline)
                self._audio(path, probed, result, deadline)
        evidence = [
            Evidence("object", i, o.label, o.confidence, o.at_seconds)
            for i, o in enumerate(result.objects)
        ]
        evidence += [
            Evidence("audio_event", i, e.label, e.confidence, e.start)
            for i, e in enumerate(result.audio_events)
        ]
        result.threats = infer(evidence)
        return result

    def _detect(self, pixels: np.ndarray, at: float | None, result: Analysis) -> list[FoundObject]:
        found = self.faces.detect(pixels)
        if self.objects:
            try:
                found += self.objects.detect(pixels)
            except Exception as exc:  # the operator's model, not the upload, is at fault
                log.warning("media_photo_model_failed", error=str(exc))
                warning = f"The photo model failed ({exc}); objects other than faces are missing"
                if warning not in result.warnings:
                    result.warnings.append(warning)
        return [FoundObject(o.label, o.confidence, o.box, at) for o in found]

    def _photo(self, data: bytes, result: Analysis) -> None:
        photo = decode.open_photo(data, self.settings.max_pixels)
        result.height, result.width = photo.pixels.shape[:2]
        result.objects = self._detect(photo.pixels, None, result)
        result.models = self._vision_models()
        result.privacy["metadata_stripped"] = photo.metadata
        if self.settings.keep_photos:
            pixels = photo.pixels
            if self.settings.blur_faces:
                faces = [o.box for o in result.objects if o.label == "face"]
                pixels = blur_regions(pixels, faces)
                result.privacy["faces_blurred"] = len(faces)
            result.stored_image = decode.encode_jpeg(pixels)
            result.privacy["media_stored"] = True

    def _probe(self, path: Path, result: Analysis, deadline: Deadline) -> decode.Probe:
        probed = decode.probe(path, deadline)
        limit = self.settings.max_seconds
        if probed.duration is not None and probed.duration > limit:
            raise BadMedia(
                f"The {result.media_type} lasts {probed.duration:.0f} s; send at most {limit:g} s"
            )
        result.duration_seconds = probed.duration
        result.width, result.height = probed.width, probed.height
        return probed

    def _video(
        self, path: Path, probed: decode.Probe, result: Analysis, deadline: Deadline
    ) -> None:
        if not probed.has_video or not probed.width or not probed.height:
            raise BadMedia("The file has no video stream; send it as media_type=audio")
        s = self.settings
        if probed.width * probed.height > s.max_pixels:
            raise BadMedia(
                f"Video frames are {probed.width}x{probed.height}; "
                f"send at most {s.max_pixels:,} pixels"
            )
        for at, frame in decode.read_frames(
            path, probed, s.frame_interval_seconds, s.max_frames, deadline
        ):
            deadline.check()
            result.objects += self._detect(frame, at, result)
        covered = s.max_frames * s.frame_interval_seconds
        if probed.duration and probed.duration > covered:
            result.warnings.append(
                f"Frames were looked at for the first {covered:g} s only "
                f"(ATLAS_MEDIA_MAX_FRAMES); the audio was analysed in full"
            )
        result.models += self._vision_models()

    def _audio(
        self, path: Path, probed: decode.Probe, result: Analysis, deadline: Deadline
    ) -> None:
        if not probed.has_audio:
            result.warnings.append("The file has no audio track: no audio events")
            return
        wave = decode.read_audio(path, self.settings.max_seconds, deadline)
        deadline.check()
        threshold = self.settings.audio_threshold
        result.audio_events = detect(self.audio, wave, decode.SAMPLE_RATE, threshold)
        result.models.append(_model(self.audio, "audio_events"))

    def _vision_models(self) -> list[dict[str, str]]:
        models = [_model(self.faces, "faces")]
        if self.objects:
            models.append(_model(self.objects, "objects"))
        return models


def _model(model: Any, task: str) -> dict[str, str]:
    return {"name": model.name, "version": model.version, "task": task}
