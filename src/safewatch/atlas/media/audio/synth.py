"""Synthetic sounds: what the built-in audio model is trained on and what tests listen to.

No labelled recordings of screams, gunshots or breaking glass ship in any package, so these
are made from their physics: a scream is a loud, high, rough harmonic voice with a wavering
pitch; a shout a lower voiced vowel with syllable rhythm; a gunshot a broadband impulse with a
fast decay and a reverberant tail; breaking glass a crack followed by many short high
resonances; a siren a harmonic tone sweeping slowly (wail) or fast (yelp).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from safewatch.atlas.media.audio.features import SAMPLE_RATE

Rng = np.random.Generator
SR = SAMPLE_RATE


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def _harmonic(f0: np.ndarray, count: int, tilt_db: float, rng: Rng) -> np.ndarray:
    """A voiced sound from an instantaneous pitch track, harmonics falling by tilt_db each."""
    phase = 2 * np.pi * np.cumsum(f0) / SR
    out = np.zeros_like(f0)
    for k in range(1, count + 1):
        gain = 10 ** (-tilt_db * (k - 1) / 20)
        out += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) * (k * f0 < SR / 2 - 200)
    return out


def _formants(x: np.ndarray, centres: list[float], rng: Rng) -> np.ndarray:
    """Shape a spectrum with vowel-like resonances (applied in the frequency domain)."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    envelope = 0.15 + sum(np.exp(-0.5 * ((freqs - c) / rng.uniform(80, 200)) ** 2) for c in centres)
    return np.fft.irfft(spectrum * envelope, len(x))


def _fade(x: np.ndarray, seconds: float = 0.03) -> np.ndarray:
    n = min(int(seconds * SR), len(x) // 2)
    ramp = np.linspace(0, 1, n)
    x[:n] *= ramp
    x[len(x) - n :] *= ramp[::-1]
    return x


def _norm(x: np.ndarray) -> np.ndarray:
    return x / (np.abs(x).max() + 1e-9)


def scream(rng: Rng) -> np.ndarray:
    t = _t(rng.uniform(0.7, 2.0))
    f0 = rng.uniform(700, 1600) * (1 + rng.uniform(-0.15, 0.15) * t / t[-1])
    f0 = (
        f0
        * (1 + 0.03 * np.sin(2 * np.pi * rng.uniform(5, 9) * t))
        * (1 + 0.01 * rng.standard_normal(len(t)))
    )
    voice = _harmonic(f0, 6, rng.uniform(2, 5), rng) + rng.uniform(0.05, 0.3) * rng.standard_normal(
        len(t)
    )
    voice = _formants(voice, [rng.uniform(900, 1300), rng.uniform(2500, 3500)], rng)
    return _fade(_norm(voice), 0.08)


def shout(rng: Rng) -> np.ndarray:
    t = _t(rng.uniform(0.4, 1.2))
    f0 = rng.uniform(220, 420) * (1 + 0.08 * np.sin(np.pi * t / t[-1]))
    voice = _harmonic(f0, 20, rng.uniform(1.0, 2.0), rng)
    voice = _formants(voice, [rng.uniform(600, 900), rng.uniform(1100, 1700), 2600], rng)
    syllables = 0.6 + 0.4 * np.abs(np.sin(np.pi * rng.uniform(2, 4) * t))
    return _fade(_norm(voice * syllables), 0.04)


def speech(rng: Rng) -> np.ndarray:
    """Ordinary talking: a lower pitch, steeper harmonics, gaps between syllables."""
    t = _t(rng.uniform(0.8, 2.0))
    f0 = rng.uniform(90, 210) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
    voice = _harmonic(f0, 25, rng.uniform(3, 5), rng)
    voice = _formants(voice, [rng.uniform(300, 800), rng.uniform(900, 2200)], rng)
    return _fade(_norm(voice * (np.sin(np.pi * rng.uniform(3, 6) * t) > 0)), 0.02)


def gunshot(rng: Rng) -> np.ndarray:
    out = np.zeros(int(rng.uniform(0.6, 1.0) * SR))
    for _ in range(rng.integers(1, 4)):
        start = int(rng.uniform(0, 0.3) * SR)
        t = np.arange(len(out) - start) / SR
        burst = rng.standard_normal(len(t)) * np.exp(-t / rng.uniform(0.01, 0.05))
        tail = 0.2 * rng.standard_normal(len(t)) * np.exp(-t / rng.uniform(0.1, 0.4))
        boom = np.sin(2 * np.pi * rng.uniform(60, 150) * t) * np.exp(-t / 0.08)
        out[start:] += burst + tail + rng.uniform(0.2, 0.8) * boom
    return _norm(out)


def glass_break(rng: Rng) -> np.ndarray:
    out = np.zeros(int(rng.uniform(0.5, 1.0) * SR))
    crack = int(0.01 * SR)
    out[:crack] = rng.standard_normal(crack) * np.linspace(1, 0, crack)
    for _ in range(rng.integers(25, 80)):
        start = int(rng.exponential(0.12) * SR) % len(out)
        t = np.arange(len(out) - start) / SR
        ring = np.sin(2 * np.pi * rng.uniform(2500, 7500) * t) * np.exp(
            -t / rng.uniform(0.005, 0.05)
        )
        out[start:] += rng.uniform(0.2, 1.0) * ring
    return _norm(out)


def siren(rng: Rng) -> np.ndarray:
    t = _t(rng.uniform(1.5, 3.0))
    period = rng.uniform(2.0, 5.0) if rng.random() < 0.5 else rng.uniform(0.2, 0.5)
    low, high = rng.uniform(500, 800), rng.uniform(1200, 1700)
    sweep = 0.5 - 0.5 * np.cos(2 * np.pi * (t / period + rng.random()))
    return _fade(_norm(_harmonic(low + (high - low) * sweep, 4, rng.uniform(4, 10), rng)))


def background(rng: Rng, seconds: float) -> np.ndarray:
    """Everyday sound that should raise nothing: noises, hum, talk, music, beeps, knocks."""
    n = int(seconds * SR)
    white = rng.standard_normal(n)
    kind = rng.integers(0, 7)
    if kind == 0:  # brown-ish rumble (traffic, ventilation)
        x = np.cumsum(white)
        x -= np.convolve(x, np.ones(400) / 400, mode="same")
    elif kind == 1:  # mains hum with harmonics
        x = _harmonic(np.full(n, rng.choice([50.0, 60.0])), 6, 6, rng) + 0.05 * white
    elif kind == 2:  # people talking
        x = np.concatenate([speech(rng) for _ in range(int(seconds) + 2)])[:n]
        x = np.pad(x, (0, n - len(x)))
    elif kind == 3:  # music: sustained chords
        notes = 220 * 2 ** (rng.integers(0, 24, 3) / 12)
        x = sum(_harmonic(np.full(n, f), 5, 6, rng) for f in notes) * (
            0.7 + 0.3 * np.sin(_t(seconds) * 3)
        )
    elif kind == 4:  # alarm-clock or phone beeps
        x = np.sin(2 * np.pi * rng.uniform(800, 3500) * _t(seconds)) * (
            np.sin(_t(seconds) * rng.uniform(8, 25)) > 0
        )
    elif kind == 5:  # knocks and footsteps: soft, low impulses
        x = 0.02 * white
        for start in rng.integers(0, max(1, n - 2000), rng.integers(2, 8)):
            x[start : start + 2000] += np.sin(
                2 * np.pi * rng.uniform(80, 250) * _t(0.125)
            ) * np.exp(-_t(0.125) / 0.02)
    else:  # near silence
        x = 0.001 * white
    return _norm(np.asarray(x, np.float64)) * 10 ** rng.uniform(-2.5, -0.3)


EVENTS: dict[str, Callable[[Rng], np.ndarray]] = {
    "scream": scream,
    "shout": shout,
    "gunshot": gunshot,
    "glass_break": glass_break,
    "siren": siren,
}


def scene(
    rng: Rng, seconds: float, events: list[tuple[str, float]], snr_db: float = 15.0
) -> np.ndarray:
    """A background of `seconds` with each (event, start second) mixed in at `snr_db`."""
    out = background(rng, seconds)
    noise_rms = np.sqrt(np.mean(out**2)) + 1e-4
    for name, start in events:
        sound = EVENTS[name](rng)
        sound *= noise_rms * 10 ** (snr_db / 20) / (np.sqrt(np.mean(sound**2)) + 1e-9)
        begin = int(start * SR)
        end = min(len(out), begin + len(sound))
        out[begin:end] += sound[: end - begin]
    return (0.9 * out / max(1.0, float(np.abs(out).max()))).astype(np.float32)
