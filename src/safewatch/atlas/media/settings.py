"""Media analysis settings, read from ATLAS_MEDIA_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MediaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATLAS_MEDIA_", extra="ignore")

    # Untrusted uploads: limits checked before any decoder runs.
    max_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    max_pixels: int = Field(40_000_000, ge=10_000)  # decompression-bomb guard, photo and video
    max_seconds: float = Field(300.0, gt=0)  # longest audio or video accepted
    time_limit_seconds: float = Field(60.0, gt=0)  # wall time for one file's analysis
    concurrency: int = Field(2, ge=1, le=16)  # analyses at once per process (CPU bound)
    # Decoders that need a seekable file (MP4) get one here, deleted when the analysis ends.
    tmp_dir: Path | None = None

    # Privacy: the sanitised photo (metadata always stripped) is kept unless turned off.
    keep_photos: bool = True
    blur_faces: bool = False

    # Photo: an operator-provided YOLO-style ONNX model and its labels (one per line).
    photo_model: Path | None = None
    photo_labels: Path | None = None
    photo_confidence: float = Field(0.25, gt=0, lt=1)
    photo_iou: float = Field(0.45, gt=0, lt=1)
    photo_size: int = Field(640, ge=32, le=4096)  # used when the model's input size is dynamic

    # Audio: an operator-provided AudioSet model (YAMNet-style) and its class map CSV.
    audio_model: Path | None = None
    audio_labels: Path | None = None
    audio_threshold: float = Field(0.5, gt=0, lt=1)

    # Video: one frame every this many seconds, at most this many frames.
    frame_interval_seconds: float = Field(1.0, gt=0)
    max_frames: int = Field(120, ge=1)
