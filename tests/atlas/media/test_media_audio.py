"""The audio path: front end, built-in model on synthetic scenes, an AudioSet ONNX backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.atlas.media.media_samples import (
    CLASS_MAP,
    loudness_audio_model,
    quantised_audio_model,
    scene,
    tone_between,
)

from safewatch.atlas.media.audio import train
from safewatch.atlas.media.audio.builtin import BuiltinAudioModel
from safewatch.atlas.media.audio.events import detect, to_events
from safewatch.atlas.media.audio.features import log_mel, patches
from safewatch.atlas.media.audio.onnx_backend import OnnxAudioModel

SR = 16_000


def test_front_end_puts_a_tone_in_the_right_mel_band() -> None:
    t = np.arange(SR * 2) / SR
    frames = log_mel(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    assert frames.shape == (1 + (2 * SR - 512) // 160, 64)
    band = int(np.median(frames.argmax(axis=1)))
    # 1 kHz sits at mel 1000 on the HTK scale; bands run evenly from mel(125) to mel(7500).
    low, high = 2595 * np.log10(1 + 125 / 700), 2595 * np.log10(1 + 7500 / 700)
    assert abs(band - ((1000 - low) / (high - low) * 65 - 1)) <= 1.5
    assert patches(np.zeros(SR * 3, np.float32)).shape == (5, 96, 64)
    assert patches(np.zeros(100, np.float32)).shape == (1, 96, 64), "short input is padded"


def test_runs_of_patches_become_one_event_with_times() -> None:
    scores = np.array([[0.1], [0.8], [0.9], [0.2], [0.7], [0.1], [0.1], [0.6]])
    events = to_events(scores, ("scream",), 0.5, duration=4.0)
    # Patches are 0.96 s long every 0.48 s: runs one patch apart overlap and are one event.
    assert [(e.start, e.end, e.confidence) for e in events] == [
        (0.48, 2.88, 0.9),
        (3.36, 4.0, 0.6),
    ]


@pytest.mark.parametrize(
    ("event", "at"),
    [("scream", 2.0), ("shout", 1.5), ("gunshot", 3.0), ("glass_break", 2.5), ("siren", 1.0)],
)
def test_builtin_model_hears_each_event_when_it_happens(event: str, at: float) -> None:
    wave = scene(seed=1000 + len(event), seconds=6.0, events=[(event, at)], snr_db=15)
    found = detect(BuiltinAudioModel(), wave, SR, threshold=0.5)
    hits = [e for e in found if e.label == event]
    assert hits, f"{event} not heard; found {found}"
    assert any(e.start - 0.1 <= at <= e.end for e in hits), hits


def test_builtin_model_stays_quiet_on_everyday_sound() -> None:
    model = BuiltinAudioModel()
    alarms = [e for seed in range(8) for e in detect(model, scene(seed, 4.0, []), SR, 0.5)]
    # Trained on synthetic sounds only: a rare false alarm on a synthetic background is allowed.
    assert len(alarms) <= 1, alarms


def test_training_is_reproducible_and_learns_from_a_small_sample() -> None:
    weights, report = train.train(per_class=12, test_per_class=8, seed=3)
    again, _ = train.train(per_class=12, test_per_class=8, seed=3)
    assert np.array_equal(weights["coef"], again["coef"])
    accuracy = float(report.split("accuracy")[1].split()[0])
    assert accuracy >= 0.7, report


def test_onnx_audioset_model_is_mapped_to_events(tmp_path: Path) -> None:
    (tmp_path / "classes.csv").write_text(CLASS_MAP)
    model = OnnxAudioModel(loudness_audio_model(tmp_path / "yamnet.onnx"), tmp_path / "classes.csv")
    events = detect(model, tone_between(2.0, 4.0, 6.0), SR, threshold=0.5)
    assert [e.label for e in events] == ["siren"], "Siren maps to siren; Speech maps to nothing"
    assert 1.4 <= events[0].start <= 2.0 and 4.0 <= events[0].end <= 4.9
    assert events[0].confidence > 0.9


def test_a_class_map_naming_no_event_is_refused(tmp_path: Path) -> None:
    (tmp_path / "classes.csv").write_text(
        "index,mid,display_name\n0,/m/x,Speech\n1,/m/y,Music\n2,/m/z,Dog\n"
    )
    with pytest.raises(ValueError, match="names none"):
        OnnxAudioModel(loudness_audio_model(tmp_path / "m.onnx"), tmp_path / "classes.csv")


def test_a_quantised_one_patch_model_is_fed_and_read_with_its_scales(tmp_path: Path) -> None:
    (tmp_path / "classes.csv").write_text(CLASS_MAP)
    model = OnnxAudioModel(
        quantised_audio_model(tmp_path / "yamnet_w8a8.onnx"), tmp_path / "classes.csv"
    )
    events = detect(model, tone_between(1.0, 3.0, 5.0), SR, threshold=0.5)
    assert [e.label for e in events] == ["siren"]
    assert 0.4 <= events[0].start <= 1.0 and 3.0 <= events[0].end <= 3.9
    assert events[0].confidence > 0.99
