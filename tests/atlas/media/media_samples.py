"""Media the tests make themselves: photos with GPS, synthetic sounds, tiny ONNX models, clips."""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from safewatch.atlas.media.audio import synth

SR = 16_000


def jpeg(pixels: np.ndarray, *, gps: bool = False) -> bytes:
    """A JPEG; with `gps`, EXIF that names a camera and a position in Stockholm."""
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (59.0, 19.0, 45.0), 3: "E", 4: (18.0, 4.0, 7.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes() if gps else b"")
    return buffer.getvalue()


def wav(samples: np.ndarray, rate: int = SR) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def scene(
    seed: int, seconds: float, events: list[tuple[str, float]], snr_db: float = 15
) -> np.ndarray:
    return synth.scene(np.random.default_rng(seed), seconds, events, snr_db=snr_db)


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def constant_detector(path: Path, rows: np.ndarray, size: int | str = 64) -> Path:
    """A YOLOv8-layout model that reads the image yet always answers `rows` ([4 + nc, N])."""
    predictions = rows[None].astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
            helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
            helper.make_node("Add", ["predictions", "nothing"], ["output0"]),
        ],
        "constant_detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(predictions.shape))],
        [
            numpy_helper.from_array(predictions, "predictions"),
            numpy_helper.from_array(np.zeros((), np.float32), "zero"),
        ],
    )
    return _save(graph, path)


def loudness_audio_model(path: Path) -> Path:
    """An AudioSet-style model: patches [N, 1, 96, 64] -> [N, 3] scores for
    (Speech, Siren, "Gunshot, gunfire"): Siren rises with the patch's loudest mel bin."""
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMax", ["audio"], ["peak"], axes=[1, 2, 3], keepdims=0),
            helper.make_node("Unsqueeze", ["peak", "axis1"], ["peak2"]),
            helper.make_node("Mul", ["peak2", "gain"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["siren"]),
            helper.make_node("Sub", ["one", "siren"], ["speech"]),
            helper.make_node("Mul", ["siren", "zero"], ["gunshot"]),
            helper.make_node("Concat", ["speech", "siren", "gunshot"], ["scores"], axis=1),
        ],
        "loudness_audio",
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, ["n", 1, 96, 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n", 3])],
        [
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
            numpy_helper.from_array(np.array(2.0, np.float32), "gain"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one"),
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        ],
    )
    return _save(graph, path)


CLASS_MAP = (
    'index,mid,display_name\n0,/m/09x0r,Speech\n1,/m/03kmc9,Siren\n2,/m/032s66,"Gunshot, gunfire"\n'
)


def tone_between(start: float, end: float, seconds: float) -> np.ndarray:
    """Quiet noise with a loud 1 kHz tone from `start` to `end`."""
    t = np.arange(int(seconds * SR)) / SR
    out = 0.001 * np.random.default_rng(0).standard_normal(len(t))
    on = (t >= start) & (t < end)
    out[on] += 0.8 * np.sin(2 * np.pi * 1000 * t[on])
    return out.astype(np.float32)


def clip(directory: Path, audio: np.ndarray | None, seconds: float, size: str = "320x240") -> bytes:
    """An MP4 (MPEG-4 video of a test pattern, AAC audio) made with the bundled ffmpeg."""
    out = directory / "clip.mp4"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=10:duration={seconds}"]
    if audio is not None:
        (directory / "track.wav").write_bytes(wav(audio))
        command += ["-i", str(directory / "track.wav"), "-c:a", "aac"]
    command += ["-c:v", "mpeg4", "-t", str(seconds), str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out.read_bytes()


def quantised_audio_model(path: Path) -> Path:
    """Like the QDQ YAMNet some packages ship: uint8 [1, 1, 96, 64] in, uint8 logits [1, 3] out
    (Speech, Siren, "Gunshot, gunfire"); Siren's logit rises with the loudest quantised bin."""
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["audio"], ["x"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMax", ["x"], ["peak"], axes=[1, 2, 3], keepdims=0),
            helper.make_node("Unsqueeze", ["peak", "axis1"], ["peak2"]),
            helper.make_node("Sub", ["peak2", "loud"], ["over"]),
            helper.make_node("Mul", ["over", "gain"], ["siren"]),  # logit / output scale
            helper.make_node("Neg", ["siren"], ["speech"]),
            helper.make_node("Mul", ["siren", "zero"], ["nothing"]),
            helper.make_node("Add", ["nothing", "never"], ["gunshot"]),
            helper.make_node("Concat", ["speech", "siren", "gunshot"], ["logits"], axis=1),
            helper.make_node("Add", ["logits", "zero_point"], ["shifted"]),
            helper.make_node("Clip", ["shifted", "low", "high"], ["clipped"]),
            helper.make_node("Cast", ["clipped"], ["class_scores"], to=TensorProto.UINT8),
        ],
        "quantised_audio",
        [helper.make_tensor_value_info("audio", TensorProto.UINT8, [1, 1, 96, 64])],
        [helper.make_tensor_value_info("class_scores", TensorProto.UINT8, [1, 3])],
        [
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
            numpy_helper.from_array(np.array(200.0, np.float32), "loud"),
            numpy_helper.from_array(np.array(0.5, np.float32), "gain"),
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(np.array(-100.0, np.float32), "never"),
            numpy_helper.from_array(np.array(190.0, np.float32), "zero_point"),
            numpy_helper.from_array(np.array(0.0, np.float32), "low"),
            numpy_helper.from_array(np.array(255.0, np.float32), "high"),
        ],
    )
    return _save(graph, path)
