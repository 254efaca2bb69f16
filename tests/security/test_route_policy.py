"""Who may call what: one table per service with every route it serves (API, pages, static
files, /ws, docs, health) and its rule, checked by calling each route as each kind of caller.
A route missing from its table (or a stale entry) fails the inventory test.

Allowed means anything but 401/403 (and never a 5xx): ids are made up, so an allowed caller
often gets 404 or 422; who may see which object is test_object_access.py's and
tests/resq/test_authorization.py's business."""

from __future__ import annotations

import io
from typing import Any

import h3
import httpx
import pytest
from PIL import Image

from safewatch.core.service import ServiceRuntime
from safewatch.resq.settings import ResqSettings
from tests.atlas.conftest import KEYS, product_headers
from tests.halo.conftest import PASSWORD, STOCKHOLM, HaloFactory, bearer, http, sign_up
from tests.halo.fake_atlas import FakeAtlas
from tests.resq.conftest import DEMO_PASSWORD
from tests.security.conftest import on_loopback
from tests.security.policy import Caller, Route, Rule, inventory, mismatches, socket_outcome

AI_TOKEN = "model-server-token-0123456789"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # who may call a route does not depend on the database


@pytest.fixture
def resq_settings(resq_settings: ResqSettings) -> ResqSettings:
    return ResqSettings.model_validate({**resq_settings.model_dump(), "ai_token": AI_TOKEN})


def anyone(*names: str) -> frozenset[str]:
    return frozenset(names)


# ---------------------------------------------------------------- ResQ

RESQ_USERS = ("student", "guard", "dispatcher")
RESQ_CALLERS = ("anonymous", "bad token", "model server", *RESQ_USERS)
PUBLIC = Rule("public", anyone(*RESQ_CALLERS))
SIGNED_IN = Rule("signed in", anyone(*RESQ_USERS), "user")
STUDENT = Rule("student", anyone("student"), "user")
GUARD = Rule("guard", anyone("guard"), "user")
DISPATCHER = Rule("dispatcher", anyone("dispatcher"), "user")
GUARD_OR_DISPATCHER = Rule("guard or dispatcher", anyone("guard", "dispatcher"), "user")
# With RESQ_AI_TOKEN set, as here; unset, the seed's detection endpoints are open to anyone.
MODEL_SERVER = Rule("RESQ_AI_TOKEN", anyone("model server"), "model server")

RESQ_POLICY: dict[Route, Rule] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,  # not served in production (test_production.py)
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/console"): PUBLIC,  # pages hold no data; their API calls carry the user's token
    ("GET", "/console/"): PUBLIC,
    ("GET", "/console/guard"): PUBLIC,
    ("GET", "/console/student"): PUBLIC,
    ("GET", "/console/static/{path}"): PUBLIC,
    ("POST", "/api/auth/token/"): PUBLIC,
    ("GET", "/api/beacons/"): PUBLIC,
    ("POST", "/api/ai/violence-detected/"): MODEL_SERVER,
    ("POST", "/api/ai/scream-detected/"): MODEL_SERVER,
    ("POST", "/api/ai/ai-detection/"): MODEL_SERVER,
    ("POST", "/api/ai-detection/"): MODEL_SERVER,  # the seed table's legacy path
    ("POST", "/ai-detection/"): MODEL_SERVER,
    ("POST", "/api/sos/"): STUDENT,
    ("GET", "/api/guards/"): DISPATCHER,
    ("GET", "/api/guards/me/"): GUARD,
    ("PATCH", "/api/guards/me/"): GUARD,
    ("POST", "/api/guards/me/devices/"): GUARD,
    ("GET", "/api/alerts/"): GUARD,
    ("POST", "/api/alerts/{alert_id}/acknowledge/"): GUARD,
    ("POST", "/api/alerts/{alert_id}/decline/"): GUARD,
    ("GET", "/api/incidents/"): SIGNED_IN,
    ("GET", "/api/incidents/{incident_id}/"): SIGNED_IN,
    ("POST", "/api/incidents/{incident_id}/arrived/"): GUARD,
    ("POST", "/api/incidents/{incident_id}/resolve/"): GUARD_OR_DISPATCHER,
    ("POST", "/api/incidents/{incident_id}/cancel/"): DISPATCHER,
    ("GET", "/api/incidents/{incident_id}/messages/"): SIGNED_IN,
    ("POST", "/api/incidents/{incident_id}/messages/"): SIGNED_IN,
    ("WS", "/ws"): SIGNED_IN,
}
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}
RESQ_PROBES: dict[Route, dict[str, Any]] = {
    ("POST", "/api/auth/token/"): {"json": {"username": "guard1", "password": DEMO_PASSWORD}},
    ("POST", "/api/ai/violence-detected/"): {"json": FIGHT},
    ("POST", "/api/ai/scream-detected/"): {"json": FIGHT},
    ("POST", "/api/ai/ai-detection/"): {"json": FIGHT | {"event_type": "violence"}},
    ("POST", "/api/ai-detection/"): {"json": FIGHT | {"event_type": "violence"}},
    ("POST", "/ai-detection/"): {"json": FIGHT | {"event_type": "violence"}},
    ("POST", "/api/sos/"): {"json": {"beacon_id": "safe:uuid:403:403"}},
    ("PATCH", "/api/guards/me/"): {"json": {}},
    ("POST", "/api/guards/me/devices/"): {"json": {"token": "push-token-0123456789"}},
    ("POST", "/api/incidents/{incident_id}/resolve/"): {"json": {"resolution_code": "handled"}},
    ("POST", "/api/incidents/{incident_id}/cancel/"): {"json": {"reason": "false alarm"}},
    ("POST", "/api/incidents/{incident_id}/messages/"): {"json": {"body": "On my way"}},
}


async def test_resq_routes_follow_the_table(resq: ServiceRuntime, signed_in: Any) -> None:
    callers = [
        Caller("anonymous"),
        Caller("bad token", bearer("not-a-token")),
        Caller("model server", bearer(AI_TOKEN), "model server"),
        Caller("student", signed_in("student1"), "user"),
        Caller("guard", signed_in("guard1"), "user"),
        Caller("dispatcher", signed_in("dispatcher"), "user"),
    ]
    assert inventory(resq.app) == set(RESQ_POLICY)
    transport = httpx.ASGITransport(app=resq.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://resq") as client:
        wrong = await mismatches(client, resq.app, RESQ_POLICY, RESQ_PROBES, callers)
    async with on_loopback(resq.app) as url:
        for caller in callers:
            got = await socket_outcome(url, caller)
            if got != RESQ_POLICY[("WS", "/ws")].expected(caller):
                wrong.append(f"/ws as {caller.name}: {got}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- Halo

HALO_CALLERS = ("anonymous", "bad token", "reporter", "validator")
HALO_PUBLIC = Rule("public", anyone(*HALO_CALLERS))
# Public, and a signed-in caller is recognised: a token sent must be valid (never silently
# anonymous).
HALO_OPTIONAL = Rule("public or signed in", anyone("anonymous", "reporter", "validator"))
VALIDATOR = Rule("validator", anyone("validator"), "user")

HALO_POLICY: dict[Route, Rule] = {
    ("GET", "/healthz"): HALO_PUBLIC,
    ("GET", "/readyz"): HALO_PUBLIC,
    ("GET", "/metrics"): HALO_PUBLIC,
    ("GET", "/openapi.json"): HALO_PUBLIC,
    ("GET", "/docs"): HALO_PUBLIC,
    ("GET", "/docs/oauth2-redirect"): HALO_PUBLIC,
    ("GET", "/"): HALO_PUBLIC,
    ("GET", "/web/config"): HALO_PUBLIC,
    ("GET", "/web/cells"): HALO_PUBLIC,
    ("GET", "/web/static/{path}"): HALO_PUBLIC,
    ("POST", "/api/auth/token/"): HALO_PUBLIC,
    ("GET", "/api/v1/intelligence/patterns"): HALO_PUBLIC,
    ("POST", "/api/v1/incidents"): HALO_OPTIONAL,
    ("GET", "/api/v1/incidents"): HALO_OPTIONAL,
    ("GET", "/api/v1/incidents/{incident_id}"): HALO_OPTIONAL,
    ("POST", "/api/v1/analyze/photo"): HALO_OPTIONAL,
    ("POST", "/api/v1/analyze/video"): HALO_OPTIONAL,
    ("POST", "/api/v1/analyze/audio"): HALO_OPTIONAL,
    ("PATCH", "/api/v1/incidents/{incident_id}/validate"): VALIDATOR,
    ("GET", "/api/v1/kpis"): VALIDATOR,
}
HALO_PROBES: dict[Route, dict[str, Any]] = {
    ("POST", "/api/auth/token/"): {"json": {"username": "rita", "password": PASSWORD}},
    ("GET", "/web/cells"): {"params": {"cell": h3.latlng_to_cell(59.33, 18.07, 8)}},
    ("GET", "/api/v1/intelligence/patterns"): {"params": {"lat": 59.33, "lon": 18.07}},
    ("POST", "/api/v1/incidents"): {"json": {"description": "Bike stolen", **STOCKHOLM}},
    ("PATCH", "/api/v1/incidents/{incident_id}/validate"): {"json": {"actual_category": "theft"}},
    **{
        ("POST", f"/api/v1/analyze/{kind}"): {"files": {"file": ("f", b"\xff\xd8\xff", mime)}}
        for kind, mime in (("photo", "image/jpeg"), ("video", "video/mp4"), ("audio", "audio/wav"))
    },
}


async def test_halo_routes_follow_the_table(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str]
) -> None:
    halo = await make_halo(fake[1])
    callers = [
        Caller("anonymous"),
        Caller("bad token", bearer("not-a-token")),
        Caller("reporter", bearer(await sign_up(halo, "rita", "Rita R", "reporter")), "user"),
        Caller("validator", bearer(await sign_up(halo, "vera", "Vera V", "validator")), "user"),
    ]
    assert inventory(halo.app) == set(HALO_POLICY)
    async with http(halo) as client:
        wrong = await mismatches(client, halo.app, HALO_POLICY, HALO_PROBES, callers)
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- Atlas

ATLAS_CALLERS = ("no key", "another product's key", "halo", "frontline", "sait", "resq")
ATLAS_PUBLIC = Rule("public", anyone(*ATLAS_CALLERS))
PRODUCT = Rule("a product key", anyone("halo", "frontline", "sait", "resq"), "product")

ATLAS_POLICY: dict[Route, Rule] = {
    ("GET", "/healthz"): ATLAS_PUBLIC,
    ("GET", "/readyz"): ATLAS_PUBLIC,
    ("GET", "/metrics"): ATLAS_PUBLIC,
    ("GET", "/openapi.json"): ATLAS_PUBLIC,
    ("GET", "/docs"): ATLAS_PUBLIC,
    ("GET", "/docs/oauth2-redirect"): ATLAS_PUBLIC,
    ("GET", "/"): ATLAS_PUBLIC,  # the operator page; its API calls carry the product key
    ("GET", "/console/static/{path}"): ATLAS_PUBLIC,
    ("POST", "/api/v1/classify/threat"): PRODUCT,
    ("POST", "/api/v1/classify/threats"): PRODUCT,
    ("GET", "/api/v1/threats/{threat_id}"): PRODUCT,
    ("POST", "/api/v1/training/feedback"): PRODUCT,
    ("GET", "/api/v1/training/stats"): PRODUCT,
    ("GET", "/api/v1/models"): PRODUCT,
    ("GET", "/api/v1/intelligence/patterns"): PRODUCT,
    ("GET", "/api/v1/intelligence/recommendations"): PRODUCT,
    ("POST", "/api/v1/analyze/media"): PRODUCT,
    ("GET", "/api/v1/analyses"): PRODUCT,
    ("GET", "/api/v1/analyses/{analysis_id}"): PRODUCT,
    ("GET", "/api/v1/analyses/{analysis_id}/media"): PRODUCT,
}


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


TEXT = {"type": "text", "data": "Bike stolen at the station"}
NEAR = {"params": {"lat": 59.33, "lon": 18.07}}
ATLAS_PROBES: dict[Route, dict[str, Any]] = {
    ("POST", "/api/v1/classify/threat"): {"json": TEXT},
    ("POST", "/api/v1/classify/threats"): {"json": {"items": [TEXT]}},
    ("POST", "/api/v1/training/feedback"): {
        "json": {
            "source_product": "halo",
            "prediction_id": "00000000-0000-0000-0000-000000000007",
            "predicted_category": "theft",
            "actual_category": "theft",
        }
    },
    ("GET", "/api/v1/intelligence/patterns"): NEAR,
    ("GET", "/api/v1/intelligence/recommendations"): NEAR,
    ("POST", "/api/v1/analyze/media"): {
        "files": {"file": ("p.jpg", _jpeg())},
        "data": {"media_type": "photo"},
    },
}


async def test_atlas_routes_follow_the_table(atlas: ServiceRuntime) -> None:
    callers = [Caller("no key")]
    callers += [Caller(p, product_headers(p), "product") for p in KEYS]
    callers += [Caller("another product's key", product_headers("sait", KEYS["halo"]), "product")]
    assert inventory(atlas.app) == set(ATLAS_POLICY)
    transport = httpx.ASGITransport(app=atlas.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
        wrong = await mismatches(client, atlas.app, ATLAS_POLICY, ATLAS_PROBES, callers)
    assert not wrong, "\n".join(wrong)
