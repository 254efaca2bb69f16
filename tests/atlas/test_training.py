"""Feedback, stats, and the champion/challenger loop that turns feedback into a new model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.atlas.conftest import RETRAIN_SAMPLE, product_headers, started

from safewatch.atlas.app import build_atlas
from safewatch.atlas.ml.dataset import load_bundled, split_validation
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

HALO = product_headers("halo")


def feedback(threat_id: str, predicted: str, actual: str, product: str = "halo") -> dict:
    return {
        "source_product": product,
        "prediction_id": threat_id,
        "predicted_category": predicted,
        "actual_category": actual,
        "user_correction": predicted != actual,
        "correction_metadata": {
            "corrected_by": "dispatcher-7",
            "correction_timestamp": "2026-11-22T10:00:00",
        },
    }


async def classify_all(client: httpx.AsyncClient, texts: list[str]) -> list[dict]:
    results = []
    for start in range(0, len(texts), 100):
        items = [{"type": "text", "data": t} for t in texts[start : start + 100]]
        response = await client.post(
            "/api/v1/classify/threats", json={"items": items}, headers=HALO
        )
        assert response.status_code == 200, response.text
        results += response.json()["results"]
    return results


async def test_feedback_is_idempotent_and_counted(client: httpx.AsyncClient) -> None:
    (fight,) = await classify_all(client, ["Fight outside bar"])
    predicted = fight["classification"]["threat_category"]
    body = feedback(fight["threat_id"], predicted, "disturbance")
    first = await client.post("/api/v1/training/feedback", json=body, headers=HALO)
    assert first.status_code == 200, first.text
    assert first.json()["success"] is True and first.json()["status"] == "recorded"
    again = await client.post("/api/v1/training/feedback", json=body, headers=HALO)
    assert again.json() | {"status": "x"} == first.json() | {"status": "x"}
    assert again.json()["status"] == "unchanged"
    changed = {**body, "actual_category": "violence"}
    assert (await client.post("/api/v1/training/feedback", json=changed, headers=HALO)).json()[
        "status"
    ] == "updated"

    stats = (await client.get("/api/v1/training/stats", headers=HALO)).json()
    halo = stats["products"]["halo"]
    assert halo["feedback"] == 1
    assert halo["agreement_rate"] == (1.0 if predicted == "violence" else 0.0)
    assert set(stats["products"]) == {"halo"}, "a product sees its own figures"


async def test_feedback_is_checked(client: httpx.AsyncClient) -> None:
    (gun,) = await classify_all(client, ["Gunshots heard"])
    not_ours = await client.post(
        "/api/v1/training/feedback",
        json=feedback(gun["threat_id"], "weapons", "other", product="sait"),
        headers=product_headers("sait"),
    )
    assert not_ours.status_code == 404
    unknown = await client.post(
        "/api/v1/training/feedback",
        json=feedback(str(uuid.uuid4()), "weapons", "other"),
        headers=HALO,
    )
    assert unknown.status_code == 404
    bad = await client.post(
        "/api/v1/training/feedback",
        json=feedback(gun["threat_id"], "weapons", "aliens"),
        headers=HALO,
    )
    assert bad.status_code == 422
    assert "fire" in bad.json()["error"]["message"], "the message lists the categories"
    mismatch = await client.post(
        "/api/v1/training/feedback",
        json=feedback(gun["threat_id"], "weapons", "other", product="sait"),
        headers=HALO,
    )
    assert mismatch.status_code == 422


@pytest.fixture
async def trainable(
    atlas_settings: AtlasSettings, clock: FrozenClock
) -> AsyncIterator[ServiceRuntime]:
    """Atlas on a fixed sample of the data, queuing a retrain after 30 feedback items."""
    settings = AtlasSettings.model_validate(
        {
            **atlas_settings.model_dump(),
            "training_sample": RETRAIN_SAMPLE,
            "retrain_min_feedback": 30,
            "promotion_tolerance": 0.02,
        }
    )
    runtime = await started(build_atlas(settings, clock=clock))
    clock.advance(minutes=5)  # feedback comes after the first model, as in life
    yield runtime
    await runtime.stop()


@pytest.fixture
async def trainable_client(trainable: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=trainable.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as http:
        yield http


async def send_verdicts(client: httpx.AsyncClient, results: list[dict], actual: str) -> list[dict]:
    answers = []
    for r in results:
        body = feedback(r["threat_id"], r["classification"]["threat_category"], actual)
        response = await client.post("/api/v1/training/feedback", json=body, headers=HALO)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


async def models(client: httpx.AsyncClient) -> dict:
    return (await client.get("/api/v1/models", headers=HALO)).json()


PLACES = ["the library", "dorm B", "the gym", "the quad", "the cafeteria", "lecture hall 3"]


async def test_feedback_teaches_a_phrase_and_the_new_version_is_promoted(
    trainable: ServiceRuntime, trainable_client: httpx.AsyncClient
) -> None:
    client = trainable_client
    probe = "Code purple called near the chemistry building"
    before = (await classify_all(client, [probe]))[0]["classification"]["threat_category"]
    assert before != "medical", "pick a phrase the model does not know yet"
    texts = [f"Code purple called at {place}, {n} people" for place in PLACES for n in range(2, 7)]
    answers = await send_verdicts(client, await classify_all(client, texts), "medical")
    assert answers[-1]["retrain_queued"] is True
    champion_before = (await models(client))["serving"]

    await trainable.worker.drain()  # the retrain (and any pattern run that is due)

    after = await models(client)
    assert after["serving"] != champion_before
    newest = next(v for v in after["versions"] if v["version"] == after["serving"])
    assert newest["status"] == "champion"
    assert (
        newest["metrics"]["feedback_accuracy"]
        > newest["metrics"]["champion_then"]["feedback_accuracy"]
    )
    old = next(v for v in after["versions"] if v["version"] == champion_before)
    assert old["status"] == "retired"
    (answer,) = await classify_all(client, [probe])
    assert answer["classification"]["threat_category"] == "medical"
    assert answer["model_version"] == after["serving"]


async def test_a_challenger_that_regresses_is_not_promoted(
    trainable: ServiceRuntime, trainable_client: httpx.AsyncClient
) -> None:
    client = trainable_client
    _, validation = split_validation(load_bundled())
    traffic = [e.text for e in validation if e.label == "traffic" and e.source == "polisen"][:150]
    await send_verdicts(client, await classify_all(client, traffic), "fraud")
    champion_before = (await models(client))["serving"]

    assert await trainable.worker.run_once() >= 1

    after = await models(client)
    assert after["serving"] == champion_before
    rejected = [v for v in after["versions"] if v["status"] == "rejected"]
    assert len(rejected) == 1
    assert "regresses" in rejected[0]["note"]


async def test_retraining_is_scheduled_and_skipped_without_new_feedback(
    atlas: ServiceRuntime, clock: FrozenClock
) -> None:
    from sqlalchemy import select

    from safewatch.atlas.models import ModelVersion, jobs

    async def pending() -> list[str]:
        async with atlas.db.sessions() as session:
            rows = await session.execute(
                select(jobs.c.dedup_key)
                .where(jobs.c.status == "pending", jobs.c.kind == "atlas.retrain")
                .order_by(jobs.c.id)
            )
            return [key for (key,) in rows]

    (first,) = await pending()
    assert first.startswith("retrain:scheduled:")
    await atlas.worker.drain()
    assert await pending() == [first], "not due before its slot"
    clock.advance(hours=24)
    await atlas.worker.drain()
    (following,) = await pending()
    assert following != first and following.startswith("retrain:scheduled:")
    async with atlas.db.sessions() as session:
        assert len((await session.scalars(select(ModelVersion))).all()) == 1, "nothing to learn"
