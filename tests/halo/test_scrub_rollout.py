"""Scrubbing personal data and the canary rollout's stable split."""

from __future__ import annotations

import uuid

import pytest

from safewatch.halo.incidents.scrub import scrub
from safewatch.halo.incidents.service import in_rollout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring 08-123 456 78 nu", "Ring [phone] nu"),
        ("Call +1 415 555 2671 now", "Call [phone] now"),
        ("mejla kalle.anka+tips@post.example.com", "mejla [email]"),
        ("Anna Berg och anna berg och Berg", "[name] och [name] och [name]"),
        ("Parked near the car park", "Parked near the car park"),  # "Park" only as a name
        ("Mr Park was hit", "Mr [name] was hit"),
        ("Bo saw it", "Bo saw it"),  # two letters alone are too often a word
        ("Rån på Drottninggatan 2024, 20 personer", "Rån på Drottninggatan 2024, 20 personer"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text, ["Anna Berg", "Jae Park", "Bo Ek"], "SE") == expected


def test_rollout_is_stable_and_near_its_share() -> None:
    incident = uuid.uuid4()
    assert all(in_rollout(user, incident, 100) for user in range(100))
    assert not any(in_rollout(user, incident, 0) for user in range(100))
    chosen = [user for user in range(2000) if in_rollout(user, uuid.uuid4(), 10)]
    assert 150 <= len(chosen) <= 250  # 10 % of 2,000 reporters, give or take
    # The same reporter always lands on the same side, whatever the incident.
    assert chosen == [user for user in range(2000) if in_rollout(user, uuid.uuid4(), 10)]
    # A bigger share keeps everyone the smaller share had (10 % -> 50 %: canary grows).
    assert set(chosen) <= {user for user in range(2000) if in_rollout(user, uuid.uuid4(), 50)}
