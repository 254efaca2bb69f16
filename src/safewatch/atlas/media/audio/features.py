"""The log-mel front end shared by every audio backend (YAMNet's settings, in numpy).

16 kHz mono; 25 ms periodic Hann window centred in a 512-point FFT, 10 ms hop; 64 HTK mel bands
from 125 to 7500 Hz; log(magnitude mel + 1e-6); patches of 96 frames (0.96 s) every 48 (0.48 s).
"""

from __future__ import annotations

from functools import cache

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 512
HOP = 160
WIN = 400
N_MELS = 64
PATCH_FRAMES = 96
PATCH_HOP = 48
LOG_OFFSET = 1e-6
PATCH_SECONDS = PATCH_FRAMES * HOP / SAMPLE_RATE  # 0.96
PATCH_HOP_SECONDS = PATCH_HOP * HOP / SAMPLE_RATE  # 0.48


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


@cache
def mel_filterbank(f_min: float = 125.0, f_max: float = 7500.0) -> np.ndarray:
    """Triangular HTK filters, shape (N_FFT // 2 + 1, N_MELS)."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    points = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(f_min)), _hz_to_mel(np.array(f_max)), N_MELS + 2)
    )
    slopes = points[None, :] - freqs[:, None]
    widths = np.diff(points)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    return np.maximum(0.0, np.minimum(down, up)).astype(np.float32)


@cache
def _window() -> np.ndarray:
    window = np.zeros(N_FFT, np.float32)
    start = (N_FFT - WIN) // 2
    window[start : start + WIN] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    return window


def log_mel(wave: np.ndarray) -> np.ndarray:
    """Log-mel frames (T, 64) of a float mono 16 kHz signal in [-1, 1]."""
    wave = np.asarray(wave, np.float32)
    if len(wave) < N_FFT:
        wave = np.pad(wave, (0, N_FFT - len(wave)))
    count = 1 + (len(wave) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(wave, N_FFT)[::HOP][:count] * _window()
    magnitude = np.abs(np.fft.rfft(frames, axis=1)).astype(np.float32)
    return np.log(magnitude @ mel_filterbank() + LOG_OFFSET)


def patches(wave: np.ndarray) -> np.ndarray:
    """Overlapping 0.96 s patches (N, 96, 64); a short signal is padded to one patch."""
    frames = log_mel(wave)
    if len(frames) < PATCH_FRAMES:
        pad = np.full((PATCH_FRAMES - len(frames), N_MELS), np.log(LOG_OFFSET), np.float32)
        frames = np.concatenate([frames, pad])
    starts = range(0, len(frames) - PATCH_FRAMES + 1, PATCH_HOP)
    return np.stack([frames[s : s + PATCH_FRAMES] for s in starts])


def patch_start(index: int) -> float:
    return index * PATCH_HOP_SECONDS


def summarise(batch: np.ndarray) -> np.ndarray:
    """Fixed-length features per patch (N, 160) for the built-in classifier.

    Spectral shape (band means minus the patch level, band spread), how the loudness moves
    (peak over median: impulses; modulation: syllables, sweeps) and where the energy peak
    travels (a siren's sweep, a scream's pitch contour).
    """
    energy = batch.mean(axis=2)  # (N, T): loudness per frame, in log units
    level = energy.mean(axis=1, keepdims=True)
    shape = batch.mean(axis=1) - level  # (N, 64)
    spread = batch.std(axis=1)  # (N, 64)
    flux = np.maximum(np.diff(batch, axis=1), 0).mean(axis=2)  # onset strength per frame
    peak_band = batch.argmax(axis=2).astype(np.float32) / N_MELS
    bands = np.arange(N_MELS, dtype=np.float32) / N_MELS
    weights = np.exp(batch - batch.max(axis=2, keepdims=True))
    centroid = (weights * bands).sum(axis=2) / weights.sum(axis=2)
    dynamics = np.stack(
        [
            energy.max(axis=1) - np.median(energy, axis=1),
            energy.std(axis=1),
            np.abs(np.diff(energy, axis=1)).mean(axis=1),
            flux.mean(axis=1),
            flux.max(axis=1),
            flux.max(axis=1) - np.median(flux, axis=1),
            peak_band.std(axis=1),
            np.abs(np.diff(peak_band, axis=1)).mean(axis=1),
            centroid.mean(axis=1),
            centroid.std(axis=1),
            np.abs(np.diff(centroid, axis=1)).mean(axis=1),
            (energy > level).mean(axis=1),
            level[:, 0] / 10.0,
            *np.percentile(energy - level, [10, 50, 90], axis=1),
        ],
        axis=1,
    )
    # 16 coarse spectral-tilt bins of the loudest frame: the timbre at the event's peak.
    loudest = batch[np.arange(len(batch)), energy.argmax(axis=1)] - level
    tilt = loudest.reshape(len(batch), 16, 4).mean(axis=2)
    return np.concatenate([shape, spread, dynamics, tilt], axis=1).astype(np.float32)
