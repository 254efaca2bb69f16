"""Outbound calls go only to configured peers. URLs in every free-text and URL-ish field (a
listening trap on loopback, file:///etc/passwd, the cloud metadata address) are data, never
fetched: the trap hears nothing, every connection the process opens goes to the configured
Atlas (Halo, ResQ) or nowhere (Atlas), and no answer holds /etc/passwd."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from safewatch.core.service import ServiceRuntime
from safewatch.core.testing.servers import serve_asgi_in_thread
from safewatch.resq.settings import ResqSettings
from tests.atlas.conftest import KEYS, product_headers
from tests.halo.conftest import STOCKHOLM, HaloFactory, bearer, http, sign_up
from tests.halo.fake_atlas import FakeAtlas

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
PASSWD = "file:///etc/passwd"
PASSWD_LINE = "root:x:0:0"  # what an answer holding /etc/passwd would show


@dataclass
class Trap:
    url: str
    heard: list[str] = field(default_factory=list)

    def urls(self) -> list[str]:
        return [f"{self.url}/steal?f=1", PASSWD, METADATA]

    def text(self) -> str:
        return "Window smashed, photos at " + " and ".join(self.urls())


@pytest.fixture
def backend() -> str:
    return "sqlite"  # a PostgreSQL connection would be one more socket; the rules are the same


@pytest.fixture
def trap() -> Iterator[Trap]:
    heard: list[str] = []

    async def record(request: Request) -> PlainTextResponse:
        heard.append(f"{request.method} {request.url}")
        return PlainTextResponse("gotcha")

    methods = ["GET", "POST", "PUT", "HEAD"]
    app = Starlette(routes=[Route("/{path:path}", record, methods=methods)])
    with serve_asgi_in_thread(app) as url:
        yield Trap(url, heard)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket of this process connects to (httpx, asyncio, anything)."""
    opened: list[Any] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def recorded(original: Any) -> Any:
        def wrapper(self: socket.socket, address: Any) -> Any:
            opened.append(address[:2] if isinstance(address, tuple) else address)
            return original(self, address)

        return wrapper

    monkeypatch.setattr(socket.socket, "connect", recorded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", recorded(connect_ex))
    return opened


def address_of(url: str) -> tuple[str, int]:
    parsed = httpx.URL(url)
    return parsed.host, parsed.port or 80


def jpeg_with_urls(trap: Trap) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = trap.urls()[0]  # ImageDescription
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), (10, 90, 10)).save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def assert_nothing_leaked(trap: Trap, answers: list[httpx.Response]) -> None:
    assert trap.heard == []
    assert not [a.request.url for a in answers if a.status_code >= 500]
    assert not [a.request.url for a in answers if PASSWD_LINE in a.text]


async def test_halo_calls_only_its_atlas(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str], trap: Trap, connections: list[Any]
) -> None:
    atlas, atlas_url = fake
    halo = await make_halo(atlas_url)
    text, urls = trap.text(), trap.urls()
    reporter = bearer(await sign_up(halo, "anna", "Anna L", "reporter"))
    validator = bearer(await sign_up(halo, "vera", "Vera V", "validator"))
    report = {"description": text, "incident_type": METADATA[:48], **STOCKHOLM}
    async with http(halo) as client:
        answers = [
            await client.post("/api/v1/incidents", json=report, headers=reporter),
            await client.post(
                "/api/v1/incidents", json=report, headers={"Idempotency-Key": urls[0]}
            ),
        ]
        incident = answers[0].json()["id"]
        atlas.mode = "error"  # the next report is synced later, by the worker
        answers.append(await client.post("/api/v1/incidents", json=report))
        atlas.mode = "ok"
        validate = {"actual_category": "vandalism", "validated_by": text[:120]}
        path = f"/api/v1/incidents/{incident}/validate"
        answers.append(await client.patch(path, json=validate, headers=validator))
        photo = (urls[1], jpeg_with_urls(trap), "image/jpeg")
        form = {"incident_id": incident}
        answers += [
            await client.post(
                "/api/v1/analyze/photo", files={"file": photo}, data=form, headers=reporter
            ),
            await client.get("/api/v1/intelligence/patterns", params={"lat": 59.33, "lon": 18.07}),
            await client.get("/api/v1/incidents", headers=validator),
        ]
    assert await halo.worker.drain() >= 2  # the sync and the validation's feedback
    assert_nothing_leaked(trap, answers)
    assert {r.path for r in atlas.received} >= {
        "/api/v1/classify/threat",
        "/api/v1/training/feedback",
        "/api/v1/analyze/media",
        "/api/v1/intelligence/patterns",
    }
    assert connections and set(connections) == {address_of(atlas_url)}


@pytest.fixture
def resq_settings(resq_settings: ResqSettings, fake: tuple[FakeAtlas, str]) -> ResqSettings:
    atlas = {"atlas_api_url": fake[1], "atlas_api_key": KEYS["resq"]}
    return ResqSettings.model_validate(resq_settings.model_dump() | atlas)


async def test_resq_calls_only_its_atlas(
    resq: ServiceRuntime,
    signed_in: Any,
    fake: tuple[FakeAtlas, str],
    trap: Trap,
    connections: list[Any],
) -> None:
    for hook in resq.on_start:  # opens its Atlas client
        await hook()
    text, urls = trap.text(), trap.urls()
    # The seed's body, plus the media fields a model server might add: extra fields are ignored.
    media = {"media_url": urls[0], "image_url": urls[1], "video_url": urls[2], "snapshot": urls[0]}
    detection = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.95, "description": text}
    transport = httpx.ASGITransport(app=resq.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://resq") as client:
        answers = [
            await client.post("/api/ai/violence-detected/", json=detection | media),
            await client.post("/api/ai/scream-detected/", json=detection | media),
            await client.post(
                "/api/ai/ai-detection/", json=detection | media | {"event_type": "scream"}
            ),
            await client.post(
                "/api/sos/",
                json={"beacon_id": "safe:uuid:101:101", "text": text[:500]},
                headers=signed_in("student1"),
            ),
            await client.post(
                "/api/guards/me/devices/",
                json={"token": urls[0], "platform": "web"},
                headers=signed_in("guard3"),
            ),
            await client.patch(
                "/api/guards/me/",
                json={"current_beacon_id": urls[2][:100]},
                headers=signed_in("guard3"),
            ),
        ]
        incident = answers[0].json()["incident_id"]
        answers.append(
            await client.post(
                f"/api/incidents/{incident}/messages/",
                json={"body": text},
                headers=signed_in("dispatcher"),
            )
        )
    assert await resq.worker.drain() >= 2  # pushes and the reports to Atlas
    assert_nothing_leaked(trap, answers)
    assert fake[0].calls("/api/v1/classify/threat")  # its incidents reached Atlas (as text)
    assert set(connections) == {address_of(fake[1])}


async def test_atlas_fetches_nothing(
    atlas: ServiceRuntime, trap: Trap, connections: list[Any]
) -> None:
    text, urls = trap.text(), trap.urls()
    halo = product_headers("halo")
    context = {"reference": urls[0], "incident_type": METADATA[:48], **STOCKHOLM}
    classify = {
        "type": "text",
        "data": text,
        "context": context,
        "options": {"include_nearby_patterns": True},
    }
    # Audio that asks ffmpeg to fetch: an HLS playlist and a concat list behind an ID3 tag
    # (sniffed as MP3), each naming the trap.
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{urls[0]}\n#EXT-X-ENDLIST\n"
    concat = f"ffconcat version 1.0\nfile {urls[0]}\n"
    media_context = json.dumps({**context, "callback_url": urls[0], "image_url": urls[1]})
    uploads = [
        ("photo", (urls[2], jpeg_with_urls(trap), "image/jpeg")),
        ("audio", ("a.m3u8", id3 + playlist.encode(), "audio/mpeg")),
        ("audio", ("a.txt", id3 + concat.encode(), "audio/mpeg")),
        ("video", ("v.mp4", urls[0].encode(), "video/mp4")),
    ]
    transport = httpx.ASGITransport(app=atlas.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
        answers = [
            await client.post("/api/v1/classify/threat", json=classify, headers=halo),
            await client.post("/api/v1/classify/threats", json={"items": [classify]}, headers=halo),
        ]
        threat = answers[0].json()["threat_id"]
        feedback = {
            "source_product": "halo",
            "prediction_id": threat,
            "predicted_category": "vandalism",
            "actual_category": "theft",
            "correction_metadata": {"corrected_by": text[:120]},
        }
        answers.append(await client.post("/api/v1/training/feedback", json=feedback, headers=halo))
        for media_type, file in uploads:
            form = {"media_type": media_type, "context": media_context}
            answers.append(
                await client.post(
                    "/api/v1/analyze/media", files={"file": file}, data=form, headers=halo
                )
            )
        answers += [
            await client.get(
                "/api/v1/intelligence/patterns", params={"lat": 59.33, "lon": 18.07}, headers=halo
            ),
            await client.get("/api/v1/analyses", headers=halo),
        ]
    assert [a.status_code for a in answers[:4]] == [200, 200, 200, 200]
    assert [a.status_code for a in answers[4:7]] == [422, 422, 415], [a.text for a in answers]
    assert_nothing_leaked(trap, answers)
    assert connections == []  # Atlas has no peers to call
