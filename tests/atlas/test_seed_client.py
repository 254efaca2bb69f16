"""The integration plan's own client and tests, unchanged, against a real Atlas process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.atlas.conftest import KEYS
from tests.atlas.seed_client import AtlasClient, AtlasUnavailableError

from safewatch.core.testing.servers import free_port, serve_process

pytestmark = pytest.mark.server


@pytest.fixture
def atlas_url(
    database_url: Callable[[str], str],
    tmp_path: Path,
    model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    env = {
        "ATLAS_DATABASE_URL": database_url("atlas"),
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEYS["halo"],
    }
    with serve_process("atlas", data_dir=tmp_path, env=env) as url:
        monkeypatch.setenv("ATLAS_API_KEY", KEYS["halo"])  # the plan's client reads this
        yield url


async def test_classify_incident(atlas_url: str) -> None:
    async with AtlasClient(api_url=atlas_url) as client:
        result = await client.classify_incident(
            description="Fight outside bar", location=(59.3293, 18.0686)
        )

        assert result["classification"]["threat_category"] in ["violence", "disturbance"]
        assert 1 <= result["classification"]["severity"] <= 5


async def test_gunshots_and_feedback_through_the_plans_client(atlas_url: str) -> None:
    async with AtlasClient(api_url=atlas_url) as client:
        result = await client.classify_incident(
            description="Gunshots heard", location=(59.3293, 18.0686)
        )
        assert result["classification"]["threat_category"] == "weapons"
        assert result["classification"]["severity"] == 5
        assert isinstance(result["nearby_patterns"], list)
        ack = await client.send_feedback(
            threat_id=result["threat_id"],
            predicted_category="weapons",
            actual_category="weapons",
            validated_by="law_enforcement",
        )
        assert ack["success"] is True and ack["status"] == "recorded"


async def test_atlas_unavailable_fallback() -> None:
    async with AtlasClient(api_url=f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(AtlasUnavailableError):
            await client.classify_incident(description="Test", location=(59.0, 18.0))


async def test_a_wrong_key_is_an_error_the_plans_client_reports(atlas_url: str) -> None:
    async with AtlasClient(api_url=atlas_url, api_key="wrong") as client:
        with pytest.raises(AtlasUnavailableError):
            await client.classify_incident(description="Test", location=(59.0, 18.0))
