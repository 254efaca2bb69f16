"""Atlas media analysis on this machine: photo at 640 px, audio real-time factor, video
seconds per minute of footage. Each figure sits beside a baseline that does only the decoding,
so the ratio is what the analysis itself costs.

    python -m bench --only media [--quick]
"""

from __future__ import annotations

import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from safewatch.atlas.media import decode
from safewatch.atlas.media.audio import synth
from safewatch.atlas.media.errors import Deadline
from safewatch.atlas.media.pipeline import MediaAnalyzer
from safewatch.atlas.media.settings import MediaSettings

AUDIO_SECONDS = 60.0
VIDEO_SECONDS = 60.0


@dataclass(frozen=True)
class Row:
    what: str
    analysis: float  # median seconds
    baseline: float  # median seconds of the decode-only baseline
    unit: str


def _median(work: Callable[[], object], rounds: int) -> float:
    work()  # warm-up: model sessions, caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _photo() -> bytes:
    """A real photo (scikit-image's astronaut) at 640 x 640 when available, else a texture."""
    try:
        import skimage.data

        pixels = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((640, 640)))
    except ImportError:
        grid = np.add.outer(np.arange(640), np.arange(640)) % 256
        pixels = np.stack([grid, grid.T, (grid * 3) % 256], axis=2).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _clip(directory: Path, seconds: float) -> bytes:
    """A 640 x 360, 25 fps MPEG-4 clip with an AAC track of sirens and screams."""
    rng = np.random.default_rng(1)
    events = [("siren", 5.0), ("scream", 20.0), ("gunshot", 40.0)]
    track = synth.scene(rng, seconds, events)
    (directory / "track.raw").write_bytes((track * 32767).astype("<i2").tobytes())
    out = directory / "clip.mp4"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}"]
    command += ["-f", "s16le", "-ar", "16000", "-ac", "1", "-i", str(directory / "track.raw")]
    command += ["-c:v", "mpeg4", "-q:v", "5", "-c:a", "aac", "-shortest", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out.read_bytes()


def _wav(seconds: float) -> bytes:
    import wave

    wave_data = synth.scene(np.random.default_rng(2), seconds, [("gunshot", 10.0), ("siren", 30.0)])
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((wave_data * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def run(console: Console, quick: bool = False) -> list[Row]:
    rounds = 3 if quick else 10
    long_rounds = 1 if quick else 3
    settings = MediaSettings(max_seconds=600, time_limit_seconds=600)
    analyzer = MediaAnalyzer(settings)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        console.print("media: photo at 640 px")
        photo = _photo()
        rows.append(
            Row(
                "photo 640x640 (decode, faces, re-encode)",
                _median(lambda: analyzer.analyze(photo, "photo"), rounds),
                _median(lambda: decode.open_photo(photo, settings.max_pixels), rounds),
                "s per photo",
            )
        )
        console.print(f"media: {AUDIO_SECONDS:g} s of audio")
        sound = _wav(AUDIO_SECONDS)
        deadline = Deadline(600)

        def read_audio() -> object:
            with decode.staged(sound, "wav", None) as path:
                return decode.read_audio(path, 600, deadline)

        rows.append(
            Row(
                f"audio {AUDIO_SECONDS:g} s WAV (built-in model)",
                _median(lambda: analyzer.analyze(sound, "audio"), rounds) / AUDIO_SECONDS,
                _median(read_audio, rounds) / AUDIO_SECONDS,
                "real-time factor",
            )
        )
        console.print(f"media: {VIDEO_SECONDS:g} s of 640x360 video (making the clip)")
        video = _clip(directory, VIDEO_SECONDS)

        def decode_video() -> object:
            with decode.staged(video, "mp4", None) as path:
                probed = decode.probe(path, deadline)
                frames = list(decode.read_frames(path, probed, 1.0, 600, deadline))
                return frames, decode.read_audio(path, 600, deadline)

        per_minute = 60.0 / VIDEO_SECONDS
        rows.append(
            Row(
                f"video {VIDEO_SECONDS:g} s, 1 frame/s + audio track",
                _median(lambda: analyzer.analyze(video, "video"), long_rounds) * per_minute,
                _median(decode_video, long_rounds) * per_minute,
                "s per minute of footage",
            )
        )
    return rows


def report(console: Console, rows: list[Row]) -> None:
    table = Table(
        title="Atlas media analysis (median; baseline = decoding only, same input)",
        title_justify="left",
    )
    for column in ("what", "analysis", "baseline: decode only", "ratio", "unit"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.what,
            f"{row.analysis:.4f}",
            f"{row.baseline:.4f}",
            f"{row.analysis / row.baseline:.1f}x",
            row.unit,
        )
    console.print(table)
