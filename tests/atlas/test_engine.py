"""Atlas answers before any model is loaded: the keyword classifier, labelled as such."""

from __future__ import annotations

from safewatch.atlas.classify.engine import FALLBACK_VERSION, ThreatEngine
from safewatch.contracts.taxonomy import CATEGORIES


def test_an_engine_without_a_model_answers_with_keywords_and_says_so() -> None:
    engine = ThreatEngine()
    assert not engine.ready and engine.version == FALLBACK_VERSION
    (fire,) = engine.classify(["Brand i flerbostadshus"])
    assert fire.model_version == "fallback"
    assert fire.classification.threat_category == "fire"
    assert len(fire.scores) == len(CATEGORIES) and abs(sum(fire.scores) - 1) < 0.01
    assert max(fire.scores) == fire.scores[CATEGORIES.index("fire")]
