"""Files shipped under `data/`: the wheel force-includes the repository's `data/` folder as
`safewatch/data`; an editable install (or a checkout on PYTHONPATH) reads the repository's."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_file(name: str) -> Path:
    """The path of `data/<name>` (a relative path such as `models/x.npz` is fine).

    Raises FileNotFoundError when neither the package nor the repository has it."""
    packaged = resources.files("safewatch") / "data" / name
    if packaged.is_file():
        return Path(str(packaged))
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "data" / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"data/{name} is neither in the safewatch package nor the repository")
