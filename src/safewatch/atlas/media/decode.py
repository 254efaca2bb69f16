"""Untrusted bytes to pixels and samples: type from content, limits before decoding.

Audio and video go through the ffmpeg that imageio-ffmpeg ships, in a subprocess with a
timeout; it reads from a private temporary directory that is removed whatever happens.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import filetype
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageOps

from safewatch.atlas.media.errors import BadMedia, Deadline, TimeLimitExceeded, UnsupportedMedia

PHOTO_FORMATS = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"}
AUDIO_FORMATS = {
    "audio/x-wav": "wav",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
}
VIDEO_FORMATS = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "video/x-msvideo": "avi",
}
ACCEPTED = {"photo": PHOTO_FORMATS, "audio": AUDIO_FORMATS | VIDEO_FORMATS, "video": VIDEO_FORMATS}
SAMPLE_RATE = 16_000
# Before every input: only local files, and only the demuxers of the formats above. A file that
# sniffs as one of them but is really a playlist or a concat list cannot make ffmpeg open
# other files or URLs.
_INPUT_LIMITS = [
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    "wav,mp3,ogg,flac,mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi",
]


def sniff(data: bytes, media_type: str) -> str:
    """The format the content really has, if `media_type` accepts it; else 415."""
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else "unknown"
    fmt = ACCEPTED[media_type].get(mime)
    if fmt is None:
        names = ", ".join(sorted(set(ACCEPTED[media_type].values())))
        raise UnsupportedMedia(
            f"The file's content is {mime}, not a {media_type} this service reads ({names})"
        )
    return fmt


@dataclass
class Photo:
    pixels: np.ndarray  # RGB uint8, upright
    metadata: list[str]  # what the upload carried that is never stored


def open_photo(data: bytes, max_pixels: int) -> Photo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise BadMedia(
                    f"Image is {width}x{height} pixels; send at most {max_pixels:,} pixels"
                )
            metadata = _metadata(image)
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadMedia(f"Image refused as a decompression bomb: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadMedia(
            f"The image could not be decoded ({exc}); send a valid JPEG, PNG or WebP"
        ) from None
    return Photo(np.asarray(image), metadata)


def _metadata(image: Image.Image) -> list[str]:
    found = []
    exif = image.getexif()
    if exif:
        found.append("exif")
        if exif.get_ifd(0x8825):
            found.append("gps")
    found += [name for name in ("xmp", "icc_profile", "comment") if image.info.get(name)]
    return found


def encode_jpeg(pixels: np.ndarray) -> bytes:
    """A fresh JPEG from pixels alone: no EXIF, GPS, XMP, ICC or comments survive."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


@contextmanager
def staged(data: bytes, fmt: str, tmp_dir: Path | None) -> Iterator[Path]:
    """The upload as a file in a private temporary directory, removed on the way out."""
    with tempfile.TemporaryDirectory(prefix="atlas-media-", dir=tmp_dir) as directory:
        path = Path(directory) / f"upload.{fmt}"
        path.write_bytes(data)
        yield path


@dataclass
class Probe:
    duration: float | None
    width: int | None
    height: int | None
    has_audio: bool
    has_video: bool


def _ffmpeg(
    args: list[str], deadline: Deadline, *, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=max(0.1, deadline.remaining()))
    except subprocess.TimeoutExpired:
        deadline.check()
        raise TimeLimitExceeded(f"Decoding took longer than {deadline.seconds:g} s") from None
    if check and done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown"]
        raise BadMedia(f"The file could not be decoded: {reason[0][:200]}")
    return done


def _input(path: Path) -> list[str]:
    return [*_INPUT_LIMITS, "-i", str(path)]


def probe(path: Path, deadline: Deadline) -> Probe:
    # ffmpeg with no output prints the container's streams and exits 1; that is the probe.
    text = _ffmpeg(_input(path), deadline, check=False).stderr.decode(errors="replace")
    if "Invalid data found" in text or "Stream #" not in text:
        raise BadMedia("The file is not a readable audio or video container")
    duration = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", text)
    size = re.search(r"Stream #.*Video: .*?, (\d{2,5})x(\d{2,5})[ ,\n]", text)
    return Probe(
        duration=int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3])
        if duration
        else None,
        width=int(size[1]) if size else None,
        height=int(size[2]) if size else None,
        has_audio="Audio:" in text,
        has_video=size is not None,
    )


def read_audio(path: Path, max_seconds: float, deadline: Deadline) -> np.ndarray:
    """Mono 16 kHz float32 samples of the first audio track, at most max_seconds of them."""
    args = ["-v", "error", "-t", f"{max_seconds}", *_input(path), "-vn", "-ac", "1"]
    done = _ffmpeg([*args, "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"], deadline)
    return np.frombuffer(done.stdout, np.int16).astype(np.float32) / 32768.0


def read_frames(
    path: Path, probed: Probe, every: float, max_frames: int, deadline: Deadline, side: int = 640
) -> Iterator[tuple[float, np.ndarray]]:
    """(seconds, RGB frame) every `every` seconds, scaled to at most `side` pixels a side."""
    assert probed.width and probed.height
    scale = min(1.0, side / max(probed.width, probed.height))
    width, height = (
        max(2, round(probed.width * scale / 2) * 2),
        max(2, round(probed.height * scale / 2) * 2),
    )
    args = ["-v", "error", "-noautorotate", *_input(path), "-an", "-vf"]
    filters = f"fps=1/{every}:round=down,scale={width}:{height}"
    output = ["-frames:v", str(max_frames), "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    done = _ffmpeg([*args, filters, *output], deadline)
    frame_bytes = width * height * 3
    count = len(done.stdout) // frame_bytes
    frames = np.frombuffer(done.stdout[: count * frame_bytes], np.uint8).reshape(
        count, height, width, 3
    )
    for index, frame in enumerate(frames):
        yield round(index * every, 2), frame
