"""The integration plan's own client (`AtlasClient.analyze_media`), unchanged, against a real
Atlas process: the way Halo will send its photos."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import skimage.data
from tests.atlas.conftest import KEYS
from tests.atlas.media.conftest import TEXT_SAMPLE
from tests.atlas.media.media_samples import jpeg
from tests.atlas.seed_client import AtlasClient

from safewatch.core.testing.servers import serve_process

pytestmark = pytest.mark.server


@pytest.fixture
def atlas_url(
    database_url: Callable[[str], str],
    tmp_path: Path,
    small_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    env = {
        "ATLAS_DATABASE_URL": database_url("atlas"),
        "ATLAS_MODEL_DIR": str(small_model_dir),
        "ATLAS_TRAINING_SAMPLE": str(TEXT_SAMPLE),
        "API_KEY_HALO": KEYS["halo"],
    }
    with serve_process("atlas", data_dir=tmp_path, env=env) as url:
        monkeypatch.setenv("ATLAS_API_KEY", KEYS["halo"])
        yield url


async def test_the_plans_client_analyses_a_photo(atlas_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "report.jpg"
    photo.write_bytes(jpeg(skimage.data.astronaut(), gps=True))
    async with AtlasClient(api_url=atlas_url) as client:
        with photo.open("rb") as media_file:
            result = await client.analyze_media(
                media_file, "photo", context={"incident_id": "halo-17", "latitude": 59.33}
            )
    assert result["media_type"] == "photo"
    assert [o["label"] for o in result["objects"]] == ["face"]
    assert result["privacy"]["metadata_stripped"] == ["exif", "gps"]
    assert result["source_product"] == "halo" and result["latitude"] == 59.33
