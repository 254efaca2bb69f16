"""The Atlas client library against a real Atlas app and against fakes that misbehave on a
real loopback socket (refused, slow, 5xx, garbage, 4xx)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.atlas.conftest import KEYS
from tests.halo.fake_atlas import FakeAtlas, pattern, recommendation, running_fake

from safewatch.atlas_client import (
    AtlasClient,
    AtlasClientSettings,
    AtlasRejectedError,
    AtlasUnavailableError,
)
from safewatch.contracts.atlas import ThreatOut
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.core.testing.servers import free_port, serve_process

CLASSIFY = "/api/v1/classify/threat"
STOCKHOLM = (59.3293, 18.0686)


def settings(url: str, **changes: object) -> AtlasClientSettings:
    values: dict[str, object] = {
        "api_url": url,
        "api_key": KEYS["halo"],
        "timeout": 5.0,
        "retry_count": 2,
        "failure_threshold": 3,
        "cooldown_seconds": 30.0,
        "backoff_seconds": 0.01,
    }
    return AtlasClientSettings(**(values | changes))


@pytest.fixture
async def real(atlas: ServiceRuntime) -> AsyncIterator[AtlasClient]:
    transport = httpx.ASGITransport(app=atlas.app)
    async with AtlasClient(settings=settings("http://atlas"), transport=transport) as client:
        yield client


@pytest.fixture
def fake() -> Iterator[tuple[FakeAtlas, str]]:
    atlas = FakeAtlas()
    with running_fake(atlas) as url:
        yield atlas, url


# Against the real Atlas ------------------------------------------------------------------


async def test_classify_incident_against_real_atlas(real: AtlasClient) -> None:
    result = await real.classify_incident(description="Fight outside bar", location=STOCKHOLM)
    assert result.classification.threat_category in ["violence", "disturbance"]
    assert 1 <= result.classification.severity <= 5
    assert real.summary().availability == 1.0


async def test_same_idempotency_key_is_one_threat(real: AtlasClient) -> None:
    first = await real.classify_incident("Gunshots heard", STOCKHOLM, idempotency_key="inc-1")
    again = await real.classify_incident("Gunshots heard", STOCKHOLM, idempotency_key="inc-1")
    assert first.threat_id == again.threat_id
    assert first.classification.threat_category == "weapons"


async def test_feedback_against_real_atlas(real: AtlasClient) -> None:
    threat = await real.classify_incident("Fight outside bar", STOCKHOLM)
    when = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    args = (threat.threat_id, "violence", "disturbance", "halo-user-7")
    answer = await real.send_feedback(*args, corrected_at=when)
    assert answer.success is True
    assert answer.status == "recorded"
    again = await real.send_feedback(*args, corrected_at=when)  # a retry changes nothing
    assert again.status == "unchanged"


async def test_wrong_key_is_rejected_and_does_not_cool_down(atlas: ServiceRuntime) -> None:
    transport = httpx.ASGITransport(app=atlas.app)
    wrong = settings("http://atlas", api_key="not-a-key-0123456789", failure_threshold=1)
    async with AtlasClient(settings=wrong, transport=transport) as client:
        for _ in range(3):
            with pytest.raises(AtlasRejectedError) as caught:
                await client.classify_incident("Gunshots heard", STOCKHOLM)
            assert caught.value.status == 401
        assert client.cooldown.state == "closed"


async def test_unknown_threat_feedback_is_rejected(real: AtlasClient) -> None:
    with pytest.raises(AtlasRejectedError) as caught:
        await real.send_feedback("7f3d9c21-8a5b-4e67-9c11-2b8e5f7d3a12", "violence", "theft")
    assert caught.value.status == 404


async def test_recommendations_missing_at_atlas_are_empty(real: AtlasClient) -> None:
    assert await real.get_recommendations(STOCKHOLM) == []


@pytest.fixture
def atlas_process(
    database_url: Callable[[str], str], tmp_path: Path, model_dir: Path
) -> Iterator[str]:
    env = {
        "ATLAS_DATABASE_URL": database_url("atlas"),
        "ATLAS_MODEL_DIR": str(model_dir),
        "API_KEY_HALO": KEYS["halo"],
    }
    with serve_process("atlas", data_dir=tmp_path, env=env) as url:
        yield url


@pytest.mark.server
async def test_against_a_real_atlas_process_on_loopback(atlas_process: str) -> None:
    async with AtlasClient(settings=settings(atlas_process)) as client:
        first = await client.classify_incident(
            "Gunshots heard", STOCKHOLM, idempotency_key="loopback-1", deadline=2.0
        )
        again = await client.classify_incident(
            "Gunshots heard", STOCKHOLM, idempotency_key="loopback-1", deadline=2.0
        )
        feedback = await client.send_feedback(first.threat_id, "weapons", "weapons", "law")
    assert first.classification.threat_category == "weapons"
    assert first.classification.severity == 5
    assert again.threat_id == first.threat_id
    assert feedback.success is True


# Against misbehaving fakes ---------------------------------------------------------------


async def test_settings_from_the_plans_environment_names(
    fake: tuple[FakeAtlas, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    atlas, url = fake
    monkeypatch.setenv("ATLAS_API_URL", url)
    monkeypatch.setenv("ATLAS_API_KEY", "halo-secret-key-0123")
    monkeypatch.setenv("ATLAS_TIMEOUT", "4")
    monkeypatch.setenv("ATLAS_RETRY_COUNT", "1")
    monkeypatch.setenv("ATLAS_FALLBACK_ENABLED", "false")
    async with AtlasClient() as client:
        assert client.settings.timeout == 4.0
        assert client.settings.retry_count == 1
        assert client.settings.fallback_enabled is False
        await client.classify_incident("Gunshots heard", STOCKHOLM, idempotency_key="k-1")
    (call,) = atlas.calls(CLASSIFY)
    assert call.headers["x-api-key"] == "halo-secret-key-0123"
    assert call.headers["x-product"] == "halo"
    assert call.headers["idempotency-key"] == "k-1"
    assert call.body["context"]["source_product"] == "halo"


async def test_refused_fails_fast_then_cools_down() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with AtlasClient(settings=settings(url)) as client:
        started = time.perf_counter()
        for _ in range(3):
            with pytest.raises(AtlasUnavailableError, match="unreachable"):
                await client.classify_incident("Gunshots heard", STOCKHOLM)
        assert time.perf_counter() - started < 2.0
        assert client.cooldown.state == "open"
        with pytest.raises(AtlasUnavailableError, match="cooling down") as caught:
            await client.classify_incident("Gunshots heard", STOCKHOLM)
        assert caught.value.retry_after is not None and caught.value.retry_after > 25


async def test_slow_atlas_stays_within_the_deadline(fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    atlas.mode, atlas.delay = "slow", 2.0
    async with AtlasClient(settings=settings(url)) as client:
        started = time.perf_counter()
        with pytest.raises(AtlasUnavailableError):
            await client.classify_incident("Gunshots heard", STOCKHOLM, deadline=0.3)
        elapsed = time.perf_counter() - started
    assert 0.25 <= elapsed < 0.4
    keys = {call.headers["idempotency-key"] for call in atlas.calls(CLASSIFY)}
    assert len(keys) == 1  # every attempt of one call carries the same key


@pytest.mark.parametrize("mode", ["error", "garbage", "bad_shape"])
async def test_bad_answers_are_retried_then_unavailable(
    fake: tuple[FakeAtlas, str], mode: str
) -> None:
    atlas, url = fake
    atlas.mode = mode
    async with AtlasClient(settings=settings(url)) as client:
        with pytest.raises(AtlasUnavailableError) as caught:
            await client.classify_incident("Gunshots heard", STOCKHOLM)
        assert not isinstance(caught.value, AtlasRejectedError)
        assert client.cooldown.failures == 1
    assert len(atlas.calls(CLASSIFY)) == 3  # one try and two retries


async def test_retry_recovers_from_a_passing_5xx(fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    atlas.fail_next = 2
    async with AtlasClient(settings=settings(url)) as client:
        result = await client.classify_incident("Gunshots heard", STOCKHOLM, idempotency_key="x")
        assert client.cooldown.failures == 0
    assert result.classification.threat_category == "weapons"
    assert [c.headers["idempotency-key"] for c in atlas.calls(CLASSIFY)] == ["x", "x", "x"]


async def test_cooldown_makes_no_calls_then_one_probe(
    fake: tuple[FakeAtlas, str], clock: FrozenClock
) -> None:
    atlas, url = fake
    atlas.mode = "error"
    async with AtlasClient(settings=settings(url), clock=clock) as client:
        for _ in range(3):
            with pytest.raises(AtlasUnavailableError):
                await client.classify_incident("Gunshots heard", STOCKHOLM)
        made = len(atlas.received)
        for _ in range(20):
            with pytest.raises(AtlasUnavailableError, match="cooling down"):
                await client.classify_incident("Gunshots heard", STOCKHOLM)
        assert len(atlas.received) == made  # the cooldown touched no socket

        clock.advance(30)  # the cooldown's 30 s
        atlas.mode, atlas.delay = "slow", 0.2  # back, and a little slow
        results = await asyncio.gather(
            *(client.classify_incident("Gunshots heard", STOCKHOLM) for _ in range(5)),
            return_exceptions=True,
        )
        answered = [r for r in results if isinstance(r, ThreatOut)]
        assert len(answered) == 1  # the probe
        assert all(isinstance(r, AtlasUnavailableError) for r in results if r not in answered)
        assert len(atlas.received) == made + 1
        assert client.cooldown.state == "closed"
        await client.classify_incident("Gunshots heard", STOCKHOLM)  # closed: calls go through


async def test_a_failed_probe_reopens_the_cooldown(
    fake: tuple[FakeAtlas, str], clock: FrozenClock
) -> None:
    atlas, url = fake
    atlas.mode = "error"
    async with AtlasClient(settings=settings(url), clock=clock) as client:
        for _ in range(3):
            with pytest.raises(AtlasUnavailableError):
                await client.classify_incident("Gunshots heard", STOCKHOLM)
        clock.advance(30)  # the cooldown's 30 s
        made = len(atlas.received)
        with pytest.raises(AtlasUnavailableError):
            await client.classify_incident("Gunshots heard", STOCKHOLM)
        assert len(atlas.received) == made + 1  # the probe is one attempt, no retries
        assert client.cooldown.state == "open"


async def test_rejection_is_not_retried(fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    atlas.mode = "reject"
    async with AtlasClient(settings=settings(url)) as client:
        with pytest.raises(AtlasRejectedError, match="no such threat") as caught:
            await client.send_feedback("7f3d9c21-8a5b-4e67-9c11-2b8e5f7d3a12", "theft", "fraud")
    assert caught.value.status == 422
    assert len(atlas.received) == 1


async def test_media_upload_is_not_retried(fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    async with AtlasClient(settings=settings(url)) as client:
        result = await client.analyze_media(
            ("knife.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg"), "photo", {"incident_id": "i-1"}
        )
        assert result.objects[0].label == "knife"
        atlas.mode = "error"
        with pytest.raises(AtlasUnavailableError):
            await client.analyze_media(b"bytes", "audio")
        with pytest.raises(ValueError, match="media_type"):
            await client.analyze_media(b"bytes", "hologram")  # type: ignore[arg-type]
    first, second = atlas.calls("/api/v1/analyze/media")
    assert first.body == {
        "media_type": "photo",
        "size": 12,
        "context": {"incident_id": "i-1"},
        "filename": "knife.jpg",
    }
    assert second.body["media_type"] == "audio"


async def test_patterns_and_recommendations(fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    atlas.patterns = [pattern("theft", count=4)]
    async with AtlasClient(settings=settings(url)) as client:
        answer = await client.get_patterns(STOCKHOLM, radius_km=2.0, threat_types=["theft"])
        assert answer.model_dump(mode="json", include={"patterns", "count"}) == {
            "patterns": atlas.patterns,
            "count": 1,
        }
        assert await client.get_recommendations(STOCKHOLM) == []
        atlas.recommendations = [recommendation("Lock your bike")]
        answered = await client.get_recommendations(STOCKHOLM)
        assert [r.model_dump(mode="json") for r in answered] == atlas.recommendations
    query = atlas.calls("/api/v1/intelligence/patterns")[0].body
    assert query == {
        "lat": "59.3293",
        "lon": "18.0686",
        "radius_km": "2.0",
        "time_range": "7d",
        "min_significance": "0.7",
        "threat_types": "theft",
    }


async def test_calls_need_the_context_manager() -> None:
    client = AtlasClient(settings=settings("http://127.0.0.1:9"))
    with pytest.raises(RuntimeError, match="async with"):
        await client.classify_incident("Gunshots heard", STOCKHOLM)
