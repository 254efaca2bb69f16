"""Object-level access in Halo and Atlas, over every id a route takes (path, query, JSON body or
form field), from the OpenAPI schema: a new route or field with an id fails until it has a
recipe here. Someone else's object answers exactly as an id that does not exist (404; 401/403
only where the caller may not use the route at all); Halo's one deliberate exception is the
public view of an incident."""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from safewatch.atlas.app import build_atlas
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.service import ServiceRuntime
from safewatch.halo.app import build_halo
from safewatch.halo.settings import HaloSettings
from tests.atlas.conftest import product_headers
from tests.halo.conftest import STOCKHOLM, HaloFactory, bearer, http, sign_up
from tests.halo.fake_atlas import FakeAtlas
from tests.security.policy import resolve

IdRoute = tuple[str, str, str]  # method, path, the id's name
Answer = tuple[int, Any]


def ids_taken(app: Any) -> set[IdRoute]:
    schema = app.openapi()
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names += list(resolve(schema, content["schema"]).get("properties", {}))
            found |= {(method.upper(), path, n) for n in names if n.endswith("_id")}
    return found


def answer(response: httpx.Response) -> Answer:
    """What a caller learns: the status and the error code (or, on success, the body)."""
    body = response.json() if response.content else None
    if response.status_code >= 400 and isinstance(body, dict):
        return response.status_code, body["error"]["code"]
    return response.status_code, body


# ---------------------------------------------------------------- Halo

FILE = b"\xff\xd8\xff" + b"x" * 200  # the fake Atlas looks no further
HaloCall = Callable[[httpx.AsyncClient, str, dict[str, str]], Awaitable[httpx.Response]]


def _upload(kind: str) -> HaloCall:
    async def call(client: httpx.AsyncClient, id_: str, headers: dict[str, str]) -> Any:
        file = (f"{kind}.bin", FILE, f"{'image' if kind == 'photo' else kind}/x")
        return await client.post(
            f"/api/v1/analyze/{kind}",
            files={"file": file},
            data={"incident_id": id_},
            headers=headers,
        )

    return call


async def _read(client: httpx.AsyncClient, id_: str, headers: dict[str, str]) -> Any:
    return await client.get(f"/api/v1/incidents/{id_}", headers=headers)


async def _validate(client: httpx.AsyncClient, id_: str, headers: dict[str, str]) -> Any:
    body = {"actual_category": "violence"}
    return await client.patch(f"/api/v1/incidents/{id_}/validate", json=body, headers=headers)


# What each caller gets for a real id: "full" (the object, as its owner), "public" (the
# incident's public view, the one route where others get an answer) or "nothing" (the same
# answer as for an id that does not exist).
EVERYONE = ("owner", "other reporter", "anonymous", "validator")
OWNER_AND_VALIDATORS = {"owner": "full", "validator": "full"}
HALO_RECIPES: dict[IdRoute, tuple[HaloCall, dict[str, str]]] = {
    ("GET", "/api/v1/incidents/{incident_id}", "incident_id"): (
        _read,
        OWNER_AND_VALIDATORS | {"other reporter": "public", "anonymous": "public"},
    ),
    ("PATCH", "/api/v1/incidents/{incident_id}/validate", "incident_id"): (
        _validate,
        {"validator": "full"},
    ),
    ("POST", "/api/v1/analyze/photo", "incident_id"): (_upload("photo"), OWNER_AND_VALIDATORS),
    ("POST", "/api/v1/analyze/video", "incident_id"): (_upload("video"), OWNER_AND_VALIDATORS),
    ("POST", "/api/v1/analyze/audio", "incident_id"): (_upload("audio"), OWNER_AND_VALIDATORS),
}


@pytest.fixture
async def halo(make_halo: HaloFactory, fake: tuple[FakeAtlas, str]) -> ServiceRuntime:
    return await make_halo(fake[1])


async def test_halo_outsiders_learn_nothing_beyond_the_public_view(
    halo: ServiceRuntime, fake: tuple[FakeAtlas, str]
) -> None:
    who: dict[str, dict[str, str]] = {
        "owner": bearer(await sign_up(halo, "anna", "Anna Lindqvist", "reporter")),
        "other reporter": bearer(await sign_up(halo, "bosse", "Bo Svensson", "reporter")),
        "anonymous": {},
        "validator": bearer(await sign_up(halo, "vera", "Vera Validator", "validator")),
    }
    async with http(halo) as client:
        created = await client.post(
            "/api/v1/incidents",
            json={"description": "Anna Lindqvist was robbed", **STOCKHOLM},
            headers=who["owner"],
        )
        real, missing = created.json()["id"], str(uuid.uuid4())
        for (method, path, _), (call, sees) in sorted(HALO_RECIPES.items()):
            for caller in EVERYONE:
                got = answer(await call(client, real, who[caller]))
                nothing = answer(await call(client, missing, who[caller]))
                where = (method, path, caller, got)
                view = sees.get(caller, "nothing")
                if view == "nothing":
                    assert got == nothing and got[0] in (401, 403, 404), where
                    continue
                assert got[0] == 200 and nothing == (404, "not_found"), where
                if view == "public":
                    assert "reporter" not in got[1], where
                    assert got[1]["description"] == "[name] was robbed", where
    linked = [r.body["context"] for r in fake[0].calls("/api/v1/analyze/media")]
    assert all(c.get("incident_id") == real for c in linked)  # only the allowed got this far
    assert len(linked) == 3 * 2  # owner and validator, each kind


# ---------------------------------------------------------------- Atlas

PRODUCTS = ("halo", "frontline", "sait", "resq")


def _tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, format="JPEG")
    return buffer.getvalue()


AtlasCall = Callable[[httpx.AsyncClient, dict[str, str], str], Awaitable[httpx.Response]]


async def _threat(client: httpx.AsyncClient, ids: dict[str, str], product: str) -> Any:
    return await client.get(f"/api/v1/threats/{ids['threat']}", headers=product_headers(product))


async def _analysis(client: httpx.AsyncClient, ids: dict[str, str], product: str) -> Any:
    headers = product_headers(product)
    return await client.get(f"/api/v1/analyses/{ids['analysis']}", headers=headers)


async def _photo(client: httpx.AsyncClient, ids: dict[str, str], product: str) -> Any:
    headers = product_headers(product)
    return await client.get(f"/api/v1/analyses/{ids['analysis']}/media", headers=headers)


async def _send_feedback(client: httpx.AsyncClient, ids: dict[str, str], product: str) -> Any:
    body = {
        "source_product": product,
        "prediction_id": ids["threat"],
        "predicted_category": "violence",
        "actual_category": "theft",
    }
    return await client.post(
        "/api/v1/training/feedback", json=body, headers=product_headers(product)
    )


ATLAS_RECIPES: dict[IdRoute, AtlasCall] = {
    ("GET", "/api/v1/threats/{threat_id}", "threat_id"): _threat,
    ("GET", "/api/v1/analyses/{analysis_id}", "analysis_id"): _analysis,
    ("GET", "/api/v1/analyses/{analysis_id}/media", "analysis_id"): _photo,
    ("POST", "/api/v1/training/feedback", "prediction_id"): _send_feedback,
}


async def _halos_objects(client: httpx.AsyncClient) -> dict[str, str]:
    """A Halo threat, a Halo photo analysis, and a SAIT threat correlated with the first."""
    text = {"type": "text", "data": "Knife fight outside the bar", "context": STOCKHOLM}
    threat = await client.post(
        "/api/v1/classify/threat", json=text, headers=product_headers("halo")
    )
    options = {"include_nearby_patterns": True, "correlation_threshold": 0}
    seen_by_sait = await client.post(
        "/api/v1/classify/threat",
        json=text | {"options": options},
        headers=product_headers("sait"),
    )
    analysis = await client.post(
        "/api/v1/analyze/media",
        files={"file": ("p.jpg", _tiny_jpeg())},
        data={"media_type": "photo"},
        headers=product_headers("halo"),
    )
    assert analysis.json()["privacy"]["media_stored"] is True, analysis.text
    correlated = [c["threat_id"] for c in seen_by_sait.json()["correlations"]]
    assert correlated == [threat.json()["threat_id"]]  # SAIT learns the id, not the threat
    return {"threat": correlated[0], "analysis": analysis.json()["analysis_id"]}


async def test_other_products_cannot_tell_halos_objects_from_none(atlas: ServiceRuntime) -> None:
    transport = httpx.ASGITransport(app=atlas.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
        real = await _halos_objects(client)
        missing = {"threat": str(uuid.uuid4()), "analysis": str(uuid.uuid4())}
        for (method, path, _), call in sorted(ATLAS_RECIPES.items()):
            for product in PRODUCTS[1:]:
                got = answer(await call(client, real, product))
                nothing = answer(await call(client, missing, product))
                assert got == nothing == (404, "not_found"), (method, path, product, got)
            owner = await call(client, real, "halo")
            assert owner.status_code == 200, (method, path, owner.text)


def test_every_id_a_route_takes_has_a_recipe(tmp_path: Path) -> None:
    halo = build_halo(HaloSettings(data_dir=tmp_path)).app
    atlas = build_atlas(AtlasSettings(data_dir=tmp_path)).app
    assert ids_taken(halo) == set(HALO_RECIPES)
    assert ids_taken(atlas) == set(ATLAS_RECIPES)
