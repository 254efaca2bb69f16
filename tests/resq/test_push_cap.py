"""Priority raises re-push guards, but a guard who has not opened an alert gets at most
RESQ_MAX_PUSHES_PER_ALERT pushes for it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from safewatch.core.service import ServiceRuntime
from safewatch.resq.settings import ResqSettings
from tests.resq.conftest import RecordingNotifier

BEACON = "safe:uuid:403:403"


@pytest.fixture
def resq_settings(resq_settings: ResqSettings) -> ResqSettings:
    return ResqSettings.model_validate({**resq_settings.model_dump(), "max_pushes_per_alert": 2})


async def test_unopened_alerts_stop_being_pushed_at_the_cap(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    notifier: RecordingNotifier,
    signed_in: Callable[[str], dict[str, str]],
) -> None:
    sos = await client.post("/api/sos/", headers=signed_in("student1"), json={"beacon_id": BEACON})
    assert sos.json()["incident_priority"] == "Medium"
    opened = (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()
    for kind in ("scream", "violence"):  # Medium -> High -> Critical: two priority raises
        raised = await client.post(
            f"/api/ai/{kind}-detected/",
            json={"beacon_id": BEACON, "confidence_score": 0.95, "description": kind},
        )
        assert raised.status_code == 200
    await resq.worker.drain()
    pushes = Counter(int(m.data["alert_id"]) for m in notifier.sent)
    [guard3_alert] = [a["id"] for a in opened]
    assert pushes[guard3_alert] == 3  # opened: every raise still reaches this guard
    others = [count for alert_id, count in pushes.items() if alert_id != guard3_alert]
    assert others == [2, 2]
