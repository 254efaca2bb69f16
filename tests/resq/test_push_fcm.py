"""ResQ's FCM HTTP v1 notifier and the push job, over real HTTP against a loopback fake FCM.

The notifier is the production FcmNotifier with real google-auth service-account credentials
(an RSA key made here); its OAuth token exchange and its sends both go to the fake. Alerts are
created through the detection API and pushed by the real job worker, with a FrozenClock moved
past each backoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt
from google.oauth2 import service_account
from sqlalchemy import select
from structlog.testing import capture_logs

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.models import Guard, GuardAlert, NotificationAttempt, PushToken, User, jobs
from safewatch.resq.notify.fcm import FCM_SCOPE, FcmNotifier
from safewatch.resq.settings import ResqSettings
from tests.resq.fake_fcm import (
    FakeFcm,
    Reply,
    invalid_argument,
    ok,
    quota_exceeded,
    service_account_info,
    unauthenticated,
    unavailable,
    unregistered,
)

PROJECT = "safewatch-test"
CLIENT_EMAIL = "resq-push@safewatch-test.iam.gserviceaccount.com"
VIOLENCE = "/api/ai/violence-detected/"
TOKEN_A = "device-token-a"
TOKEN_B = "device-token-b"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    with FakeFcm().serve() as fake:
        yield fake


@pytest.fixture
def credentials(private_key: rsa.RSAPrivateKey, fake_fcm: FakeFcm) -> service_account.Credentials:
    info = service_account_info(
        private_key,
        project=PROJECT,
        key_id="test-key-1",
        email=CLIENT_EMAIL,
        token_uri=f"{fake_fcm.url}/token",
    )
    return service_account.Credentials.from_service_account_info(info, scopes=[FCM_SCOPE])


@pytest.fixture
def notifier(fake_fcm: FakeFcm, credentials: service_account.Credentials) -> FcmNotifier:
    """Overrides conftest's recording notifier, so `resq` and `client` push through FCM.

    The `resq` fixture closes it (runtime.stop runs notifier.close)."""
    return FcmNotifier(project_id=PROJECT, credentials=credentials, endpoint=fake_fcm.url)


@pytest.fixture
def resq_settings(resq_settings: ResqSettings) -> ResqSettings:
    """Escalation kept out of the way: these tests move the clock by minutes and hours."""
    return ResqSettings.model_validate(
        {**resq_settings.model_dump(), "ack_timeout_seconds": 2 * 24 * 3600}
    )


# helpers


async def guard_id_of(runtime: ServiceRuntime, username: str) -> int:
    async with runtime.db.transaction() as session:
        return int(
            (
                await session.execute(
                    select(Guard.id)
                    .join(User, User.id == Guard.user_id)
                    .where(User.username == username)
                )
            ).scalar_one()
        )


async def add_token(runtime: ServiceRuntime, guard_id: int, token: str, now: datetime) -> int:
    async with runtime.db.transaction() as session:
        row = PushToken(guard_id=guard_id, token=token, platform="android", created_at=now)
        session.add(row)
        await session.flush()
        return int(row.id)


async def token_exists(runtime: ServiceRuntime, token_id: int) -> bool:
    async with runtime.db.transaction() as session:
        return await session.get(PushToken, token_id) is not None


async def rank_one_alert_to(
    client: httpx.AsyncClient, runtime: ServiceRuntime, username: str, *tokens: str
) -> tuple[GuardAlert, str, list[int]]:
    """Give `username` these device tokens, post a violence detection at Library 3F Entrance,
    and return the rank-1 alert (checked to be that guard's), the incident id and token ids."""
    clock_now = runtime.app.state.resq.clock.now()
    guard_id = await guard_id_of(runtime, username)
    token_ids = [await add_token(runtime, guard_id, token, clock_now) for token in tokens]
    response = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"},
    )
    assert response.status_code == 201, response.text
    async with runtime.db.transaction() as session:
        alert = (
            await session.execute(select(GuardAlert).where(GuardAlert.priority_rank == 1))
        ).scalar_one()
    assert alert.guard_id == guard_id, "the demo campus's nearest guard to 403 is guard3"
    return alert, response.json()["incident_id"], token_ids


async def push_job(runtime: ServiceRuntime, alert_id: int) -> Any:
    async with runtime.db.transaction() as session:
        return (
            await session.execute(select(jobs).where(jobs.c.dedup_key == f"push:{alert_id}:alert"))
        ).one()


async def attempts_for(runtime: ServiceRuntime, alert_id: int) -> list[NotificationAttempt]:
    async with runtime.db.transaction() as session:
        return list(
            (
                await session.execute(
                    select(NotificationAttempt)
                    .where(NotificationAttempt.alert_id == alert_id)
                    .order_by(NotificationAttempt.id)
                )
            )
            .scalars()
            .all()
        )


# the tests


async def test_delivery_is_an_fcm_v1_message_sent_with_the_service_account_token(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    fake_fcm: FakeFcm,
    private_key: rsa.RSAPrivateKey,
) -> None:
    alert, incident_id, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    # One push job per alerted guard; only guard3 has a device.
    assert await resq.worker.drain() == 3

    [send] = fake_fcm.sends  # the two guards without devices cause no request
    assert send.project == PROJECT
    assert send.headers["content-type"] == "application/json"
    message = send.body["message"]
    assert message["token"] == TOKEN_A
    assert message["notification"] == {
        "title": "Critical: Library 3F Entrance",
        "body": "Critical incident at Library 3F Entrance (Library, floor 3). You are #1 nearest.",
    }
    data = message["data"]
    assert data["incident_id"] == incident_id
    assert data["alert_id"] == str(alert.id)
    assert data["reason"] == "alert" and data["priority"] == "Critical"
    assert all(isinstance(value, str) for value in data.values()), data  # FCM rejects non-strings
    assert message["android"]["collapse_key"] == f"incident-{incident_id}"
    assert message["android"]["priority"] == "high"

    # The bearer is the access token the fake's /token issued for a JWT signed with our key.
    [token_request] = fake_fcm.token_requests
    assert send.bearer == token_request.access_token
    assert token_request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # google-auth always names Google's token endpoint as the audience, whatever token_uri is.
    claims = jwt.decode(
        token_request.form["assertion"],
        certs=public_pem,
        audience="https://oauth2.googleapis.com/token",
    )
    assert claims["iss"] == CLIENT_EMAIL
    assert claims["scope"] == FCM_SCOPE

    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("done", 1)
    [attempt] = await attempts_for(resq, alert.id)
    assert (attempt.channel, attempt.outcome, attempt.status_code, attempt.token_id) == (
        "fcm",
        "delivered",
        200,
        token_id,
    )


async def test_503_twice_then_200_is_delivered_on_the_third_attempt(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm, clock: FrozenClock
) -> None:
    fake_fcm.script(unavailable(), unavailable(), ok(), token=TOKEN_A)
    alert, _, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    assert await resq.worker.drain() == 3
    for attempt in (1, 2):
        job = await push_job(resq, alert.id)
        assert (job.status, job.attempts) == ("pending", attempt)
        assert job.run_at > clock.now()
        assert "503" in job.last_error
        assert await resq.worker.drain() == 0  # still backing off: nothing is due yet
        clock.set(job.run_at)
        assert await resq.worker.drain() == 1

    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("done", 3)
    assert [s.reply.status for s in fake_fcm.sends] == [503, 503, 200]
    assert {s.token for s in fake_fcm.sends} == {TOKEN_A}
    attempts = await attempts_for(resq, alert.id)
    assert [(a.outcome, a.status_code, a.token_id) for a in attempts] == [
        ("retry", 503, token_id),
        ("retry", 503, token_id),
        ("delivered", 200, token_id),
    ]
    clock.advance(hours=1)
    assert await resq.worker.drain() == 0  # done means done: no fourth send
    assert len(fake_fcm.sends) == 3


async def test_429_retry_after_holds_the_job_back_at_least_that_long(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm, clock: FrozenClock
) -> None:
    fake_fcm.script(quota_exceeded("120"), ok(), token=TOKEN_A)
    alert, _, _ = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)
    sent_at = clock.now()

    await resq.worker.drain()
    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.run_at >= sent_at + timedelta(seconds=120)  # plain backoff would be about 1 s

    clock.advance(119)
    assert await resq.worker.drain() == 0
    assert len(fake_fcm.sends_to(TOKEN_A)) == 1

    clock.set(job.run_at)
    assert await resq.worker.drain() == 1
    assert [s.reply.status for s in fake_fcm.sends_to(TOKEN_A)] == [429, 200]
    assert [(a.outcome, a.status_code) for a in await attempts_for(resq, alert.id)] == [
        ("retry", 429),
        ("delivered", 200),
    ]
    assert (await push_job(resq, alert.id)).status == "done"


async def test_unregistered_token_is_deleted_and_the_push_not_retried(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm, clock: FrozenClock
) -> None:
    fake_fcm.script(unregistered(), token=TOKEN_A)
    alert, _, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    await resq.worker.drain()
    assert not await token_exists(resq, token_id)
    job = await push_job(resq, alert.id)
    assert job.status in ("done", "dead") and job.attempts == 1
    [attempt] = await attempts_for(resq, alert.id)
    assert (attempt.outcome, attempt.status_code, attempt.token_id) == (
        "unregistered",
        404,
        token_id,
    )

    clock.advance(hours=1)
    assert await resq.worker.drain() == 0
    assert len(fake_fcm.sends_to(TOKEN_A)) == 1


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(404, "404 page not found"), id="not-fcm"),
        pytest.param(
            Reply(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "not found"}}),
            id="not-found-without-fcm-error",
        ),
    ],
)
async def test_a_404_that_is_not_unregistered_keeps_the_token(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    fake_fcm: FakeFcm,
    reply: Reply,
) -> None:
    """A wrong endpoint or project answers 404 too; that must not wipe guards' devices."""
    fake_fcm.script(reply, token=TOKEN_A)
    alert, _, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    await resq.worker.drain()
    assert await token_exists(resq, token_id)
    [attempt] = await attempts_for(resq, alert.id)
    assert (attempt.outcome, attempt.status_code) == ("failed", 404)
    assert (await push_job(resq, alert.id)).status == "dead"


async def test_401_refreshes_the_access_token_once_and_delivers(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm
) -> None:
    fake_fcm.script(unauthenticated(), ok(), token=TOKEN_A)
    alert, _, _ = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    await resq.worker.drain()
    first, second = fake_fcm.issued_tokens  # /token called exactly twice
    assert first != second
    assert [(s.reply.status, s.bearer) for s in fake_fcm.sends_to(TOKEN_A)] == [
        (401, first),
        (200, second),
    ]
    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("done", 1)  # the re-auth is inside one attempt
    assert [a.outcome for a in await attempts_for(resq, alert.id)] == ["delivered"]


async def test_invalid_argument_dead_letters_the_job(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm, clock: FrozenClock
) -> None:
    fake_fcm.script(invalid_argument(), token=TOKEN_A)
    alert, _, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)

    await resq.worker.drain()
    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("dead", 1)
    assert "INVALID_ARGUMENT" in job.last_error
    [attempt] = await attempts_for(resq, alert.id)
    assert (attempt.outcome, attempt.status_code) == ("failed", 400)
    assert await token_exists(resq, token_id)  # a bad request is not a dead device

    clock.advance(hours=1)
    assert await resq.worker.drain() == 0
    assert len(fake_fcm.sends_to(TOKEN_A)) == 1


async def test_a_retry_after_partial_success_resends_only_the_failed_device(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm, clock: FrozenClock
) -> None:
    fake_fcm.script(ok(), token=TOKEN_A)
    fake_fcm.script(unavailable(), ok(), token=TOKEN_B)
    alert, _, (id_a, id_b) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A, TOKEN_B)

    await resq.worker.drain()
    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("pending", 1)
    clock.set(job.run_at)
    assert await resq.worker.drain() == 1

    job = await push_job(resq, alert.id)
    assert (job.status, job.attempts) == ("done", 2)
    assert [s.reply.status for s in fake_fcm.sends_to(TOKEN_A)] == [200]
    assert [s.reply.status for s in fake_fcm.sends_to(TOKEN_B)] == [503, 200]
    attempts = await attempts_for(resq, alert.id)
    by_token = {
        token_id: [a.outcome for a in attempts if a.token_id == token_id]
        for token_id in (id_a, id_b)
    }
    assert by_token == {id_a: ["delivered"], id_b: ["retry", "delivered"]}


async def test_push_log_lines_name_the_guard_never_the_device_token(
    client: httpx.AsyncClient, resq: ServiceRuntime, fake_fcm: FakeFcm
) -> None:
    alert, incident_id, (token_id,) = await rank_one_alert_to(client, resq, "guard3", TOKEN_A)
    with capture_logs() as logs:
        await resq.worker.drain()
    [line] = [
        line
        for line in logs
        if line["event"] == "push_attempt" and line["alert_id"] == str(alert.id)
    ]
    assert line["guard"] == "guard3" and line["incident_id"] == incident_id
    assert line["device"] == token_id and line["outcome"] == "delivered"
    assert all(TOKEN_A not in str(logged) for logged in logs)
