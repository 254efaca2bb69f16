"""ffmpeg reads only the file it is given: a list that names other files is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.atlas.media.media_samples import wav

from safewatch.atlas.media.decode import probe, read_audio
from safewatch.atlas.media.errors import BadMedia, Deadline


@pytest.fixture
def concat_list(tmp_path: Path) -> Path:
    """An ffconcat list pointing at a readable WAV beside it (ffmpeg follows it unless told not)."""
    (tmp_path / "secret.wav").write_bytes(wav(np.zeros(16_000, np.float32)))
    listing = tmp_path / "upload.bin"
    listing.write_text("ffconcat version 1.0\nfile secret.wav\n")
    return listing


def test_a_real_wav_is_probed_and_read(tmp_path: Path) -> None:
    path = tmp_path / "one.wav"
    path.write_bytes(wav(np.zeros(16_000, np.float32)))
    assert probe(path, Deadline(10)).has_audio
    assert len(read_audio(path, 5, Deadline(10))) == 16_000


def test_a_concat_list_is_not_followed(concat_list: Path) -> None:
    with pytest.raises(BadMedia):
        probe(concat_list, Deadline(10))
    with pytest.raises(BadMedia):
        read_audio(concat_list, 5, Deadline(10))
