"""Halo's API rules: who sees what, bad input, searching, media, patterns, KPIs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from tests.halo.conftest import STOCKHOLM, HaloFactory, bearer, http, sign_up
from tests.halo.fake_atlas import FakeAtlas, pattern, recommendation


@pytest.fixture
async def halo(make_halo: HaloFactory, fake: tuple[FakeAtlas, str]) -> ServiceRuntime:
    return await make_halo(fake[1])


async def report(halo: ServiceRuntime, token: str | None = None, **body: object) -> dict:
    async with http(halo) as client:
        response = await client.post(
            "/api/v1/incidents",
            json={"description": "Fight outside bar", **STOCKHOLM, **body},
            headers=bearer(token) if token else {},
        )
    assert response.status_code == 201, response.text
    result: dict = response.json()
    return result


async def test_who_sees_what(halo: ServiceRuntime) -> None:
    anna = await sign_up(halo, "anna", "Anna Lindqvist", "reporter")
    bo = await sign_up(halo, "bosse", "Bo Svensson", "reporter")
    vera = await sign_up(halo, "vera", "Vera Validator", "validator")
    created = await report(
        halo, anna, description="Anna Lindqvist was threatened", latitude=59.329312
    )
    path = f"/api/v1/incidents/{created['id']}"
    async with http(halo) as client:
        own = (await client.get(path, headers=bearer(anna))).json()
        other = (await client.get(path, headers=bearer(bo))).json()
        anonymous = (await client.get(path)).json()
        validator = (await client.get(path, headers=bearer(vera))).json()
        bad_token = await client.get(path, headers=bearer("not-a-token"))
    assert own["reporter"] == "anna" and own["latitude"] == 59.329312
    assert validator["reporter"] == "anna" and validator["description"].startswith("Anna")
    for public in (other, anonymous):
        assert "reporter" not in public and "atlas_threat_id" not in public
        assert public["latitude"] == 59.329
        assert public["description"] == "[name] was threatened"
    assert bad_token.status_code == 401  # a bad token is never silently anonymous


async def test_bad_input_says_what_to_send(halo: ServiceRuntime, clock: FrozenClock) -> None:
    future = (clock.now() + timedelta(hours=2)).isoformat()
    cases = [
        ({"description": "Fight", "latitude": 95, "longitude": 18}, "latitude"),
        ({"description": "   ", **STOCKHOLM}, "describe what happened"),
        ({"latitude": 59.3, "longitude": 18.0}, "description is required"),
        ({"description": "Fight", **STOCKHOLM, "occurred_at": future}, "in the future"),
        ({"description": "Fight", **STOCKHOLM, "occurred_at": "yesterday"}, "occurred_at"),
    ]
    async with http(halo) as client:
        for body, message in cases:
            response = await client.post("/api/v1/incidents", json=body)
            assert response.status_code == 422, body
            assert message in response.json()["error"]["message"]
        listed = (await client.get("/api/v1/incidents")).json()
    assert listed["items"] == []  # nothing half-written


async def test_validate_rules(halo: ServiceRuntime) -> None:
    anna = await sign_up(halo, "anna", "Anna Lindqvist", "reporter")
    vera = await sign_up(halo, "vera", "Vera Validator", "validator")
    created = await report(halo, anna)
    path = f"/api/v1/incidents/{created['id']}/validate"
    async with http(halo) as client:
        anonymous = await client.patch(path, json={"actual_category": "violence"})
        reporter = await client.patch(
            path, json={"actual_category": "violence"}, headers=bearer(anna)
        )
        unknown = await client.patch(
            "/api/v1/incidents/7f3d9c21-8a5b-4e67-9c11-2b8e5f7d3a12/validate",
            json={"actual_category": "violence"},
            headers=bearer(vera),
        )
        bad = await client.patch(path, json={"actual_category": "jaywalking"}, headers=bearer(vera))
        bad_query = await client.patch(
            path, params={"actual_category": "jaywalking"}, headers=bearer(vera)
        )
        missing = await client.patch(path, headers=bearer(vera))
        ok = await client.patch(
            path, json={"actual_category": " Disturbance "}, headers=bearer(vera)
        )
    assert (anonymous.status_code, reporter.status_code, unknown.status_code) == (401, 403, 404)
    assert bad.status_code == 422 and "use one of" in bad.json()["error"]["message"]
    assert bad_query.status_code == 422 and "use one of" in bad_query.json()["error"]["message"]
    assert missing.status_code == 422 and "actual_category" in missing.json()["error"]["message"]
    assert ok.status_code == 200
    body = ok.json()
    assert (body["category"], body["validated_category"], body["validated_by"]) == (
        "disturbance",
        "disturbance",
        "vera",
    )


async def test_search_near_since_category_and_pages(
    halo: ServiceRuntime, clock: FrozenClock
) -> None:
    await report(halo, description="Gunshots heard", latitude=59.3293, longitude=18.0686)
    start = clock.advance(60)
    await report(halo, description="Cykelstöld", latitude=59.3300, longitude=18.0700)  # ~100 m
    await report(halo, description="Cykelstöld", latitude=59.8586, longitude=17.6389)  # Uppsala
    await report(halo, description="Brand i lägenhet", latitude=59.3350, longitude=18.0600)
    async with http(halo) as client:

        async def ids(**params: object) -> list[str]:
            response = await client.get("/api/v1/incidents", params=params)
            assert response.status_code == 200, response.text
            return [item["description"] for item in response.json()["items"]]

        near = await ids(lat=59.3293, lon=18.0686, radius_km=2)
        assert sorted(near) == ["Brand i lägenhet", "Cykelstöld", "Gunshots heard"]
        assert await ids(lat=59.3293, lon=18.0686, radius_km=0.3) == [
            "Cykelstöld",
            "Gunshots heard",
        ]
        assert await ids(category="theft") == ["Cykelstöld", "Cykelstöld"]
        assert len(await ids(since=start.isoformat())) == 3
        first = (await client.get("/api/v1/incidents", params={"limit": 3})).json()
        rest = (await client.get("/api/v1/incidents", params={"limit": 3, "offset": 3})).json()
        assert (first["count"], first["next_offset"], rest["count"], rest["next_offset"]) == (
            3,
            3,
            1,
            None,
        )
        only_lat = await client.get("/api/v1/incidents", params={"lat": 59.3})
        bad_category = await client.get("/api/v1/incidents", params={"category": "aliens"})
    assert only_lat.status_code == 422 and "lat and lon" in only_lat.json()["error"]["message"]
    assert bad_category.status_code == 422


async def test_media_through_atlas(halo: ServiceRuntime, fake: tuple[FakeAtlas, str]) -> None:
    atlas, _ = fake
    anna = await sign_up(halo, "anna", "Anna Lindqvist", "reporter")
    created = await report(halo, anna, incident_type="assault")
    photo = {"file": ("anna_lindqvist.jpg", b"\xff\xd8\xff" + b"x" * 1000, "image/jpeg")}
    async with http(halo) as client:
        ok = await client.post(
            "/api/v1/analyze/photo",
            files=photo,
            data={"incident_id": created["id"]},
            headers=bearer(anna),  # only its reporter or a validator may link to an incident
        )
        wrong_kind = await client.post("/api/v1/analyze/video", files=photo)
        unknown = await client.post(
            "/api/v1/analyze/photo",
            files=photo,
            data={"incident_id": "7f3d9c21-8a5b-4e67-9c11-2b8e5f7d3a12"},
        )
        atlas.mode = "error"
        down = await client.post("/api/v1/analyze/photo", files=photo)
    assert ok.status_code == 200, ok.text
    # Atlas's answer as Atlas gave it (the fake answers in Atlas's own shape).
    assert ok.json()["objects"] == [
        {"label": "knife", "confidence": 0.91, "box": [10, 20, 110, 220], "at_seconds": None}
    ]
    assert ok.json()["threats"][0]["category"] == "weapons"
    (call, _failed) = atlas.calls("/api/v1/analyze/media")
    assert call.body["media_type"] == "photo" and call.body["size"] == 1003
    assert call.body["filename"] == "photo.jpg"  # no uploader's name in the file name
    assert call.body["context"]["incident_id"] == created["id"]
    assert call.body["context"]["incident_type"] == "assault"
    assert wrong_kind.status_code == 415
    assert unknown.status_code == 404
    assert down.status_code == 503
    assert down.json() == {"error": "Atlas unavailable", "objects": []}
    assert int(down.headers["Retry-After"]) >= 1


async def test_patterns_cached_then_stale(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str], clock: FrozenClock
) -> None:
    atlas, url = fake
    halo = await make_halo(url, patterns_cache_seconds=0.2)
    atlas.patterns = [pattern("theft", count=7)]
    atlas.recommendations = [recommendation("Lock your bike at the station")]
    params = {"lat": 59.3293, "lon": 18.0686}
    path = "/api/v1/intelligence/patterns"
    async with http(halo) as client:
        fresh = (await client.get(path, params=params)).json()
        cached = (await client.get(path, params=params)).json()
        calls = len(atlas.calls("/api/v1/intelligence/patterns"))
        atlas.mode = "error"
        clock.advance(0.25)  # past the 0.2 s freshness
        stale = (await client.get(path, params=params)).json()
        nothing = (await client.get(path, params={"lat": 57.7, "lon": 11.97})).json()
        bad = await client.get(path, params={"lat": 59.3})
    assert fresh["patterns"] == atlas.patterns and fresh["recommendations"] == atlas.recommendations
    assert fresh["stale"] is False and cached == fresh
    assert calls == 1  # the second answer came from the cache
    assert stale["stale"] is True and stale["patterns"] == atlas.patterns
    assert stale["fetched_at"] == fresh["fetched_at"]
    assert nothing == {"patterns": [], "recommendations": [], "stale": True, "fetched_at": None}
    assert bad.status_code == 422


async def test_kpis_and_metrics(make_halo: HaloFactory, fake: tuple[FakeAtlas, str]) -> None:
    atlas, url = fake
    halo = await make_halo(url)
    vera = await sign_up(halo, "vera", "Vera Validator", "validator")
    anna = await sign_up(halo, "anna", "Anna Lindqvist", "reporter")
    first = await report(halo, description="Gunshots heard")
    await report(halo, description="Cykelstöld vid stationen")
    atlas.mode = "error"
    await report(halo, description="Brand i lägenhet")
    async with http(halo) as client:
        await client.patch(
            f"/api/v1/incidents/{first['id']}/validate",
            json={"actual_category": "disturbance"},
            headers=bearer(vera),
        )
        kpis = (await client.get("/api/v1/kpis", headers=bearer(vera))).json()
        forbidden = await client.get("/api/v1/kpis", headers=bearer(anna))
        metrics = (await client.get("/metrics")).text
    assert forbidden.status_code == 403
    assert kpis["incidents"] == {
        "total": 3,
        "atlas_at_creation": 2,
        "fallback_atlas_unavailable": 1,
        "fallback_rollout": 0,
        "enriched": 2,
        "awaiting_sync": 1,
        "validated": 1,
        "corrected": 1,
    }
    assert kpis["classified_by_atlas"] == {"value": 0.6667, "target": ">= 0.95", "met": False}
    assert kpis["enrichment_share"]["value"] == 0.6667
    assert kpis["correction_rate"]["value"] == 1.0
    assert kpis["atlas_availability"]["value"] == pytest.approx(2 / 3, abs=1e-3)
    assert kpis["atlas_latency_avg_ms"]["value"] > 0
    assert kpis["atlas_calls"]["calls"] == 3
    assert 'halo_incidents_total{classification_source="atlas",fallback_reason="none"}' in metrics
    assert "safewatch_atlas_client_seconds_count" in metrics


async def test_reports_are_rate_limited_per_address(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str]
) -> None:
    halo = await make_halo(fake[1], report_rate_limit="2/minute")
    async with http(halo) as client:
        codes = [
            (await client.post("/api/v1/incidents", json={"description": "Brand", **STOCKHOLM}))
            for _ in range(3)
        ]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert int(codes[2].headers["Retry-After"]) >= 1
    assert "2/minute" in codes[2].json()["error"]["message"]
