"""The dedup window as a property, against the real ResQ app on both backends.

The rule (seed: "Check for Existing Incident (5-min dedup)"; docs/architecture.md and
`incidents/service.attach_signal`): the window slides. A detection at or above its threshold joins
the beacon's open incident when that incident's *latest* signal is at most 5:00 earlier, else it
opens a new one. Detections below the threshold are logged only and move no window.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.models import Incident
from safewatch.resq.settings import ResqSettings

WINDOW_MS = 300_000
BEACON = "safe:uuid:403:403"
# Milliseconds between detections: on the 5:00 boundary (and a millisecond either side of it),
# at 4:59 and 5:01, or anything up to 15 minutes.
GAPS_MS = st.sampled_from([0, 1, 299_000, 299_999, 300_000, 300_001, 301_000]) | st.integers(
    0, 900_000
)
CONFIDENCE = {  # (kind, counts) -> a confidence at or above (True) or below its threshold
    ("violence", True): 0.75,
    ("violence", False): 0.7499,
    ("scream", True): 0.8,
    ("scream", False): 0.7999,
}
# (gap since the previous detection, counts, kind)
Detection = tuple[int, bool, str]
DETECTIONS = st.lists(
    st.tuples(GAPS_MS, st.booleans(), st.sampled_from(["violence", "scream"])),
    min_size=1,
    max_size=8,
)


def offsets(detections: list[Detection]) -> list[tuple[int, bool]]:
    """(milliseconds since the first detection, counts) for each detection."""
    at = list(accumulate(gap for gap, _, _ in detections))
    return list(zip(at, (counts for _, counts, _ in detections), strict=True))


def reference_incidents(detections: list[Detection]) -> list[int | None]:
    """The incident number each detection belongs to (None: logged only), by the sliding rule."""
    groups: list[int | None] = []
    incident, last_signal = -1, None
    for at, counts in offsets(detections):
        if not counts:
            groups.append(None)
            continue
        if last_signal is None or at - last_signal > WINDOW_MS:
            incident += 1
        groups.append(incident)
        last_signal = at
    return groups


@pytest.fixture
def resq_settings(database_url: Callable[[str], str], tmp_path: Path) -> ResqSettings:
    """One ResQ serves every example of a test, so the model-server rate limit is lifted."""
    return ResqSettings(
        database_url=database_url("resq"), data_dir=tmp_path, ai_rate_limit="100000/minute"
    )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # one app for all examples
)
@given(detections=DETECTIONS)
@example(detections=[(0, True, "violence"), (299_000, True, "scream"), (300_000, True, "violence")])
@example(detections=[(0, True, "violence"), (300_001, True, "violence"), (301_000, True, "scream")])
@example(detections=[(0, True, "scream"), (200_000, False, "violence"), (200_000, True, "scream")])
async def test_incidents_follow_the_sliding_window(
    client: httpx.AsyncClient, resq: ServiceRuntime, clock: FrozenClock, detections: list[Detection]
) -> None:
    """The examples: 4:59 and 5:00 join; 5:00.001 and 5:01 open anew; a logged-only detection
    moves no window."""
    start = clock.advance(hours=1)  # every earlier example's incident is long out of its window
    note(f"(ms since the first, counts): {offsets(detections)}")
    answers = []
    for gap_ms, counts, kind in detections:
        clock.advance(milliseconds=gap_ms)
        response = await client.post(
            f"/api/ai/{kind}-detected/",
            json={
                "beacon_id": BEACON,
                "confidence_score": CONFIDENCE[kind, counts],
                "description": "Fight",
            },
        )
        assert response.status_code in (200, 201), response.text
        answers.append(response.json())
    expected = reference_incidents(detections)
    opened: dict[int, str] = {}
    for answer, incident in zip(answers, expected, strict=True):
        if incident is None:
            assert answer["status"] == "logged_only"
            continue
        assert answer["status"] == (
            "signal_added_to_existing" if incident in opened else "incident_created"
        )
        assert opened.setdefault(incident, answer["incident_id"]) == answer["incident_id"]
    expected_count = len({i for i in expected if i is not None})
    assert len(set(opened.values())) == expected_count
    async with resq.db.transaction() as session:
        stored = await session.scalar(
            select(func.count()).where(Incident.created_at >= start, Incident.beacon_id == BEACON)
        )
    assert stored == expected_count
