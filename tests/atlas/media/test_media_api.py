"""POST /api/v1/analyze/media end to end: safety with untrusted files, answers, storage."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import skimage.data
from PIL import Image
from sqlalchemy import select
from tests.atlas.conftest import product_headers, started
from tests.atlas.media.media_samples import clip, constant_detector, jpeg, scene, wav

from safewatch.atlas.app import build_atlas
from safewatch.atlas.media.models import MediaAnalysis
from safewatch.atlas.media.settings import MediaSettings
from safewatch.atlas.models import Threat
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock

HALO = product_headers("halo")
STOCKHOLM = {"latitude": 59.3293, "longitude": 18.0686}


@pytest.fixture
def media_settings(tmp_path: Path) -> MediaSettings:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "labels.txt").write_text("person\nknife\n")
    knife = np.zeros((6, 1), np.float32)
    knife[:4, 0] = (300, 320, 80, 60)
    knife[5, 0] = 0.88
    return MediaSettings(
        tmp_dir=tmp_path / "uploads",
        max_bytes=2_000_000,
        max_pixels=4_000_000,
        max_seconds=20,
        photo_model=constant_detector(tmp_path / "knife.onnx", knife, size=640),
        photo_labels=tmp_path / "labels.txt",
    )


@pytest.fixture
async def media_client(
    atlas_settings: AtlasSettings, media_settings: MediaSettings, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = atlas_settings.model_copy(update={"media": media_settings})
    runtime = await started(build_atlas(settings, clock=clock))
    transport = httpx.ASGITransport(app=runtime.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as http:
        http.app = runtime.app  # type: ignore[attr-defined]
        yield http
    await runtime.stop()


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    media_type: str,
    context: dict[str, object] | None = None,
    headers: dict[str, str] = HALO,
    name: str = "upload.bin",
) -> httpx.Response:
    form = {"media_type": media_type, "context": json.dumps(context or STOCKHOLM)}
    return await client.post(
        "/api/v1/analyze/media", files={"file": (name, data)}, data=form, headers=headers
    )


async def test_photo_answer_strips_gps_and_stores_a_clean_copy(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    photo = jpeg(skimage.data.astronaut(), gps=True)
    response = await upload(media_client, photo, "photo", {**STOCKHOLM, "reference": "r-1"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["media_type"] == "photo" and answer["format"] == "jpeg"
    labels = sorted(o["label"] for o in answer["objects"])
    assert labels == ["face", "knife"]
    knife = next(o for o in answer["objects"] if o["label"] == "knife")
    assert knife["confidence"] == 0.88 and knife["box"] == [
        208,
        232,
        272,
        280,
    ]  # 640 px model, 512 px photo
    (threat,) = answer["threats"]
    assert threat["category"] == "weapons" and threat["confidence"] == 0.88
    assert threat["evidence"] == [
        {
            "kind": "object",
            "index": answer["objects"].index(knife),
            "label": "knife",
            "confidence": 0.88,
            "at_seconds": None,
        }
    ]
    assert {m["task"] for m in answer["models"]} == {"faces", "objects"}
    assert answer["privacy"] == {
        "metadata_stripped": ["exif", "gps"],
        "faces_blurred": 0,
        "media_stored": True,
    }
    stored = await media_client.get(f"/api/v1/analyses/{answer['analysis_id']}/media", headers=HALO)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    kept = Image.open(io.BytesIO(stored.content))
    assert not kept.getexif() and "exif" not in kept.info
    assert not list((tmp_path / "uploads").iterdir())

    again = await media_client.get(f"/api/v1/analyses/{answer['analysis_id']}", headers=HALO)
    assert again.json() == answer
    other = product_headers("sait")
    for path in ("", "/media"):
        hidden = await media_client.get(
            f"/api/v1/analyses/{answer['analysis_id']}{path}", headers=other
        )
        assert hidden.status_code == 404


async def test_the_strongest_threat_joins_the_threat_store(media_client: httpx.AsyncClient) -> None:
    answer = (await upload(media_client, jpeg(skimage.data.coffee()), "photo")).json()
    app = media_client.app  # type: ignore[attr-defined]
    async with app.state.atlas.db.sessions() as session:
        threat = await session.get(Threat, uuid.UUID(answer["threat_id"]))
        row = await session.get(MediaAnalysis, uuid.UUID(answer["analysis_id"]))
    assert threat is not None and row is not None
    assert (threat.product, threat.category) == ("halo", "weapons")
    assert threat.severity == answer["threats"][0]["severity"]
    assert (threat.latitude, threat.longitude) == (59.3293, 18.0686)
    assert threat.text == "photo: knife 0.88" and threat.model_version.startswith("media:")
    assert row.top_category == "weapons" and row.context == STOCKHOLM


async def test_faces_are_blurred_before_storage_when_asked(
    atlas_settings: AtlasSettings, media_settings: MediaSettings, clock: FrozenClock
) -> None:
    media = media_settings.model_copy(update={"blur_faces": True, "photo_model": None})
    runtime = await started(
        build_atlas(atlas_settings.model_copy(update={"media": media}), clock=clock)
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app), base_url="http://a"
        ) as client:
            answer = (await upload(client, jpeg(skimage.data.astronaut()), "photo")).json()
            assert answer["privacy"]["faces_blurred"] == 1
            assert answer["threats"] == [], "a face alone is no threat"
            stored = await client.get(
                f"/api/v1/analyses/{answer['analysis_id']}/media", headers=HALO
            )
        (face,) = [o for o in answer["objects"] if o["label"] == "face"]
        x1, y1, x2, y2 = face["box"]
        kept = np.asarray(Image.open(io.BytesIO(stored.content)))
        original = skimage.data.astronaut()
        detail = lambda a: float(np.abs(np.diff(a[y1:y2, x1:x2].astype(float), axis=1)).mean())  # noqa: E731
        assert detail(kept) < 0.3 * detail(original)
    finally:
        await runtime.stop()


async def test_audio_events_become_threats_with_their_times(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    sound = wav(scene(seed=21, seconds=6.0, events=[("gunshot", 3.0)], snr_db=20))
    answer = (await upload(media_client, sound, "audio", name="photo.jpg")).json()
    assert answer["format"] == "wav" and answer["duration_seconds"] == pytest.approx(6.0, abs=0.05)
    gunshots = [e for e in answer["audio_events"] if e["label"] == "gunshot"]
    assert gunshots and gunshots[0]["start"] <= 3.0 <= gunshots[0]["end"]
    weapons = next(t for t in answer["threats"] if t["category"] == "weapons")
    assert weapons["evidence"][0]["kind"] == "audio_event"
    assert answer["models"][0]["name"] == "safewatch-audio-synthetic"
    assert answer["privacy"]["media_stored"] is False
    assert not list((tmp_path / "uploads").iterdir()), "the staged copy is gone"


async def test_limits_and_types_are_checked_before_decoding(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    too_big = await upload(media_client, b"\xff\xd8\xff" + b"0" * 2_000_000, "photo")
    assert too_big.status_code == 413 and "2,000,000" in too_big.json()["error"]["message"]

    text = await upload(media_client, b"just some text, not a photo", "photo", name="a.jpg")
    assert text.status_code == 415 and "unknown" in text.json()["error"]["message"]
    sound_as_photo = await upload(media_client, wav(np.zeros(1600)), "photo")
    assert sound_as_photo.status_code == 415
    assert "audio/x-wav, not a photo" in sound_as_photo.json()["error"]["message"]

    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, format="PNG")  # 25 MP in about 4 KB
    refused = await upload(media_client, bomb.getvalue(), "photo")
    assert refused.status_code == 422 and "5000x5000" in refused.json()["error"]["message"]

    long_sound = await upload(media_client, wav(np.zeros(16_000 * 25)), "audio")
    assert long_sound.status_code == 422 and "at most 20 s" in long_sound.json()["error"]["message"]

    broken = await upload(media_client, b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "audio")
    assert broken.status_code == 422

    truncated = await upload(media_client, jpeg(skimage.data.coffee())[:3000], "photo")
    assert truncated.status_code == 422
    assert not list((tmp_path / "uploads").iterdir())


async def test_bad_context_and_auth(media_client: httpx.AsyncClient) -> None:
    photo = jpeg(skimage.data.coffee())
    bad = await media_client.post(
        "/api/v1/analyze/media",
        files={"file": ("a.jpg", photo)},
        data={"media_type": "photo", "context": "{not json"},
        headers=HALO,
    )
    assert bad.status_code == 422 and "JSON object" in bad.json()["error"]["message"]
    claimed = await upload(media_client, photo, "photo", {"source_product": "sait"})
    assert claimed.status_code == 422
    wrong_type = await upload(media_client, photo, "picture")
    assert wrong_type.status_code == 422
    no_key = await upload(media_client, photo, "photo", headers={"X-Product": "halo"})
    assert no_key.status_code == 401
    wrong_owner = await upload(
        media_client, photo, "photo", headers=product_headers("halo", "resq-test-key-0123456789")
    )
    assert wrong_owner.status_code == 403


async def test_video_frames_and_sound_are_analysed_with_timestamps(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    track = scene(seed=5, seconds=4.0, events=[("siren", 1.0)], snr_db=20)
    answer = (await upload(media_client, clip(tmp_path, track, 4.0), "video")).json()
    assert answer["format"] == "mp4" and (answer["width"], answer["height"]) == (320, 240)
    assert answer["duration_seconds"] == pytest.approx(4.0, abs=0.1)
    knives = [o for o in answer["objects"] if o["label"] == "knife"]
    assert [o["at_seconds"] for o in knives] == [0.0, 1.0, 2.0, 3.0], "one frame a second"
    sirens = [e for e in answer["audio_events"] if e["label"] == "siren"]
    assert sirens and sirens[0]["start"] <= 1.5 and sirens[0]["end"] >= 2.5
    (weapons,) = [t for t in answer["threats"] if t["category"] == "weapons"]
    assert [e["at_seconds"] for e in weapons["evidence"]] == [0.0, 1.0, 2.0, 3.0]
    assert {m["task"] for m in answer["models"]} == {"faces", "objects", "audio_events"}
    assert not list((tmp_path / "uploads").iterdir())


async def test_a_silent_video_warns_and_a_slow_one_is_stopped(
    atlas_settings: AtlasSettings, media_settings: MediaSettings, clock: FrozenClock, tmp_path: Path
) -> None:
    quick = media_settings.model_copy(update={"time_limit_seconds": 0.01})
    capped = media_settings.model_copy(update={"max_frames": 2})
    video = clip(tmp_path, None, 3.0)
    expected = {
        id(media_settings): ["The file has no audio track: no audio events"],
        id(capped): [
            "Frames were looked at for the first 2 s only (ATLAS_MEDIA_MAX_FRAMES); "
            "the audio was analysed in full",
            "The file has no audio track: no audio events",
        ],
    }
    for media, expect in ((media_settings, 200), (capped, 200), (quick, 422)):
        settings = atlas_settings.model_copy(update={"media": media})
        runtime = await started(build_atlas(settings, clock=clock))
        try:
            transport = httpx.ASGITransport(app=runtime.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://a") as client:
                response = await upload(client, video, "video")
        finally:
            await runtime.stop()
        assert response.status_code == expect, response.text
        if expect == 200:
            assert response.json()["warnings"] == expected[id(media)]
            frames = {o["at_seconds"] for o in response.json()["objects"]}
            assert frames == ({0.0, 1.0} if media is capped else {0.0, 1.0, 2.0})
        else:
            assert response.json()["error"]["code"] == "analysis_time_limit"
        assert not list((tmp_path / "uploads").iterdir())


async def test_a_video_sent_as_a_photo_is_refused(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await upload(media_client, clip(tmp_path, None, 1.0), "photo")
    assert response.status_code == 415 and "video/mp4" in response.json()["error"]["message"]


async def test_concurrent_uploads_are_each_analysed_and_stored_once(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    photos = [jpeg(np.full((120, 160, 3), shade, np.uint8)) for shade in range(0, 240, 40)]
    sound = wav(scene(seed=8, seconds=3.0, events=[("siren", 0.5)]))
    uploads = [upload(media_client, p, "photo") for p in photos]
    uploads += [upload(media_client, sound, "audio") for _ in range(2)]
    answers = await asyncio.gather(*uploads)
    assert [a.status_code for a in answers] == [200] * len(uploads)
    ids = {a.json()["analysis_id"] for a in answers}
    app = media_client.app  # type: ignore[attr-defined]
    async with app.state.atlas.db.sessions() as session:
        rows = (await session.scalars(select(MediaAnalysis))).all()
    assert {str(r.id) for r in rows} == ids and len(rows) == len(uploads)
    assert sorted({r.sha256 for r in rows if r.media_type == "photo"}) == sorted(
        {hashlib.sha256(p).hexdigest() for p in photos}
    )
    assert not list((tmp_path / "uploads").iterdir())


async def test_the_sound_of_a_video_can_be_sent_as_audio(
    media_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    track = scene(seed=9, seconds=3.0, events=[("gunshot", 1.0)], snr_db=20)
    answer = (await upload(media_client, clip(tmp_path, track, 3.0), "audio")).json()
    assert answer["media_type"] == "audio" and answer["format"] == "mp4"
    assert answer["objects"] == [], "no frames are looked at for audio"
    assert any(e["label"] == "gunshot" for e in answer["audio_events"])


async def test_a_broken_operator_model_is_a_warning_not_an_error(
    atlas_settings: AtlasSettings, media_settings: MediaSettings, clock: FrozenClock, tmp_path: Path
) -> None:
    (tmp_path / "three.txt").write_text("person\nknife\nfire\n")  # the model has two classes
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    cases = {
        "three.txt": ("knife.onnx", "The photo model failed (model output (6, 1) does not fit 3"),
        "labels.txt": ("broken.onnx", "The photo model broken.onnx could not be loaded"),
    }
    for labels, (model, warning) in cases.items():
        media = media_settings.model_copy(
            update={"photo_model": tmp_path / model, "photo_labels": tmp_path / labels}
        )
        settings = atlas_settings.model_copy(update={"media": media})
        runtime = await started(build_atlas(settings, clock=clock))
        try:
            transport = httpx.ASGITransport(app=runtime.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://a") as client:
                response = await upload(client, jpeg(skimage.data.astronaut()), "photo")
        finally:
            await runtime.stop()
        assert response.status_code == 200, response.text
        answer = response.json()
        assert [o["label"] for o in answer["objects"]] == ["face"], "faces still run"
        assert answer["warnings"][0].startswith(warning), answer["warnings"]


async def test_each_product_lists_its_own_latest_analyses(
    media_client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    first = (await upload(media_client, jpeg(skimage.data.coffee()), "photo")).json()
    clock.advance(seconds=5)
    second = (await upload(media_client, jpeg(skimage.data.astronaut()), "photo")).json()
    listed = await media_client.get("/api/v1/analyses?limit=5", headers=HALO)
    assert listed.status_code == 200
    ids = [item["analysis_id"] for item in listed.json()["items"]]
    assert ids == [second["analysis_id"], first["analysis_id"]]
    assert listed.json()["items"][0]["threats"] == second["threats"]
    latest = await media_client.get("/api/v1/analyses?limit=1", headers=HALO)
    assert [item["analysis_id"] for item in latest.json()["items"]] == [second["analysis_id"]]
    other = await media_client.get("/api/v1/analyses", headers=product_headers("sait"))
    assert other.json() == {"items": [], "count": 0}
    assert (await media_client.get("/api/v1/analyses?limit=0", headers=HALO)).status_code == 422
    assert (await media_client.get("/api/v1/analyses")).status_code == 401
