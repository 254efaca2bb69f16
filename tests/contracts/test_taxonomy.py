"""The taxonomy as code agrees with data/*.csv; describe() fills in what Halo and polisen need."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from safewatch.contracts.severity import assess_severity, severity_for
from safewatch.contracts.taxonomy import (
    CATEGORIES,
    DEFAULT_SEVERITY,
    DEFAULT_SUBCATEGORY,
    DESCRIPTIONS,
    HALO_INCIDENT_TYPES,
    SUBCATEGORIES,
    category_for_halo_type,
    describe,
    subcategory_for,
)
from safewatch.contracts.threats import Classification

DATA = Path(__file__).resolve().parents[2] / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


TAXONOMY = _rows("taxonomy.csv")
LABELS = _rows("label_mapping.csv")
POLISEN = {r["source_label"]: r for r in LABELS if r["source"] == "polisen"}


def test_categories_mirror_taxonomy_csv() -> None:
    assert [r["category"] for r in TAXONOMY] == list(CATEGORIES)
    assert {r["category"]: int(r["default_severity"]) for r in TAXONOMY} == DEFAULT_SEVERITY
    assert {r["category"]: r["description"] for r in TAXONOMY} == DESCRIPTIONS


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_valid_subcategories(category: str) -> None:
    subs = SUBCATEGORIES[category]
    assert len(subs) >= 3
    assert DEFAULT_SUBCATEGORY[category] in {s.name for s in subs}
    # Severity is grounded: the polisen type's own, another label of the category, or its default.
    grounded = {int(r["severity"]) for r in LABELS if r["category"] == category}
    grounded.add(DEFAULT_SEVERITY[category])
    for sub in subs:
        assert sub.polisen_type in POLISEN, sub
        assert sub.halo_incident_type in HALO_INCIDENT_TYPES, sub
        assert sub.halo_incident_type == sub.halo_incident_type.lower().replace(" ", "_")
        assert sub.severity in grounded | {int(POLISEN[sub.polisen_type]["severity"])}, sub
        assert sub.keywords or sub.name == DEFAULT_SUBCATEGORY[category], sub


def test_subcategory_names_are_unique() -> None:
    names = [s.name for subs in SUBCATEGORIES.values() for s in subs]
    assert len(names) == len(set(names))


def test_required_examples() -> None:
    gunshots = describe("weapons", "Gunshots heard", confidence=0.9)
    assert (gunshots.threat_subcategory, gunshots.severity) == ("shooting", 5)
    assert gunshots.product_mappings.polisen_type == "Skottlossning"
    fight = describe("violence", "Fight outside bar", confidence=0.9)
    assert isinstance(fight, Classification)
    assert fight.threat_subcategory == "physical_altercation"
    assert fight.product_mappings.polisen_type == "Misshandel"
    assert fight.product_mappings.halo_incident_type == "assault"
    assert 3 <= fight.severity <= 4
    assert fight.confidence == 0.9


@pytest.mark.parametrize(
    ("category", "text", "subcategory", "polisen_type"),
    [
        ("violence", "Man knivhuggen i Rinkeby", "stabbing", "Mord/dråp, försök"),
        ("violence", "Misshandel, grov, på Storgatan", "aggravated_assault", "Misshandel, grov"),
        ("violence", "Man was stabbed outside the pub", "stabbing", "Mord/dråp, försök"),
        ("robbery", "Armed robbery at the corner store", "armed_robbery", "Rån väpnat"),
        ("robbery", "Försök till rån vid bankomat", "attempted_robbery", "Rån, försök"),
        ("traffic", "Rattfylleri på E4", "drunk_driving", "Rattfylleri"),
        ("traffic", "Viltolycka med älg", "wildlife_collision", "Trafikolycka, vilt"),
        (
            "traffic",
            "Trafikolycka, en person förd till sjukhus",
            "collision_with_injury",
            "Trafikolycka, personskada",
        ),
        ("traffic", "Motorist arrested for DUI", "drunk_driving", "Rattfylleri"),
        ("fire", "Bilbrand i Rinkeby", "vehicle_fire", "Brand"),
        ("fire", "Fire alarm triggered by burnt toast", "fire_alarm", "Brand automatlarm"),
        ("burglary", "Inbrott i lägenhet", "residential_burglary", "Inbrott"),
        ("theft", "Bike stolen from rack", "bicycle_theft", "Stöld"),
        (
            "weapons",
            "Misstänkt farligt föremål vid stationen",
            "suspicious_object",
            "Farligt föremål, misstänkt",
        ),
        (
            "missing_person",
            "Fjällräddning pågår vid Kebnekaise",
            "mountain_rescue",
            "Fjällräddning",
        ),
        ("other", "Hittegods: plånbok lämnad till polisen", "lost_property", "Anträffat gods"),
    ],
)
def test_describe_picks_the_subcategory_by_keyword(
    category: str, text: str, subcategory: str, polisen_type: str
) -> None:
    result = describe(category, text, confidence=0.5)
    assert result.threat_category == category
    assert result.threat_subcategory == subcategory
    assert result.product_mappings.polisen_type == polisen_type


def test_no_keyword_gives_the_default_subcategory() -> None:
    for category in CATEGORIES:
        assert subcategory_for(category, "").name == DEFAULT_SUBCATEGORY[category]


def test_unknown_category_raises() -> None:
    with pytest.raises(ValueError, match="unknown threat category"):
        describe("aliens", "Lights in the sky", confidence=0.5)


def test_category_for_halo_type() -> None:
    assert category_for_halo_type("assault") == "violence"
    assert category_for_halo_type("Traffic accident") == "traffic"
    assert category_for_halo_type("medical-emergency") == "medical"
    assert category_for_halo_type("drug_activity") == "drugs"
    assert category_for_halo_type("fire") == "fire"
    assert category_for_halo_type("violence") == "violence"  # a category name is a fine hint
    assert category_for_halo_type("tea party") is None
    for halo_type in HALO_INCIDENT_TYPES:
        assert category_for_halo_type(halo_type) in CATEGORIES


def test_weapon_raises_severity() -> None:
    assert severity_for("violence", 3, "Man misshandlad med kniv") == 4
    assert severity_for("violence", 3, "Man was assaulted with a knife") == 4
    assert severity_for("violence", 3, "Man misshandlad") == 3


def test_in_progress_raises_severity() -> None:
    assert severity_for("violence", 3, "Misshandel pågår på torget") == 4
    assert severity_for("violence", 3, "Assault in progress at the bar") == 4
    assert assess_severity("violence", 3, "Misshandel pågår").reasons == ("in progress",)


def test_shots_and_injuries_raise_severity() -> None:
    assert severity_for("disturbance", 2, "Skottlossning mot bostad") == 5
    assert severity_for("harassment", 2, "Man blöder efter bråk") == 3
    assert severity_for("harassment", 2, "Person injured after argument") == 3


def test_severity_clamps_at_five() -> None:
    result = assess_severity("violence", 5, "Skottlossning pågår, flera skadade, man med kniv")
    assert result.severity == 5
    assert result.base == 5


def test_negated_and_incidental_cues_do_not_raise() -> None:
    assert severity_for("harassment", 2, "Argument in the hallway, no injuries") == 2
    assert severity_for("disturbance", 2, "Ungdomar skjuter fyrverkerier") == 2
    # `other` means no threat applies: a press notice about a shooting stays informational.
    assert severity_for("other", 1, "Presskonferens om gårdagens skottlossning") == 1
