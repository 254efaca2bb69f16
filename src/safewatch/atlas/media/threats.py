"""From what was seen and heard to threat categories of the Atlas taxonomy, with evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from safewatch.contracts.taxonomy import CATEGORIES

# Detector labels (any model's, lower case) to categories. People, faces and sirens are
# context, not threats on their own.
LABEL_CATEGORY: dict[str, str] = {
    **dict.fromkeys(("gun", "pistol", "handgun", "rifle", "firearm", "weapon", "knife"), "weapons"),
    **dict.fromkeys(("gunshot", "explosion"), "weapons"),
    **dict.fromkeys(("fire", "flame", "smoke"), "fire"),
    **dict.fromkeys(("fight", "violence", "scream"), "violence"),
    "shout": "disturbance",
    "glass_break": "vandalism",
}


@dataclass(frozen=True)
class Evidence:
    kind: str  # "object" or "audio_event"
    index: int  # position in the answer's objects or audio_events
    label: str
    confidence: float
    at_seconds: float | None = None


@dataclass
class Threat:
    category: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)


def category_of(label: str) -> str | None:
    category = LABEL_CATEGORY.get(label.strip().lower().replace(" ", "_"))
    return category if category in CATEGORIES else None


def infer(evidence: list[Evidence]) -> list[Threat]:
    """One threat per category; its confidence is the strongest evidence behind it, nudged up
    by independent supporting evidence (noisy-OR of the two best), strongest first."""
    by_category: dict[str, list[Evidence]] = {}
    for item in evidence:
        category = category_of(item.label)
        if category:
            by_category.setdefault(category, []).append(item)
    threats = []
    for category, items in by_category.items():
        items.sort(key=lambda e: -e.confidence)
        best = [e.confidence for e in items[:2]]
        combined = 1.0 - (1 - best[0]) * (1 - (best[1] if len(best) > 1 else 0.0) * 0.5)
        threats.append(Threat(category, round(min(combined, 0.99), 4), items))
    return sorted(threats, key=lambda t: -t.confidence)
