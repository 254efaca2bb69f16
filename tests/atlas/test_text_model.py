"""The text model on real bundled data: a small stratified sample keeps each test to seconds."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from safewatch.atlas.ml.dataset import (
    Example,
    bundled_data_path,
    data_fingerprint,
    is_validation,
    load_bundled,
    split_validation,
)
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.ml.train import DEFAULT, evaluate, fit, fit_with_feedback, macro_f1
from safewatch.contracts.taxonomy import CATEGORIES

PER_CATEGORY = 180  # 17 x 180 ~ 3,000 rows: fits in about two seconds


@pytest.fixture(scope="module")
def bundled() -> list[Example]:
    return load_bundled()


@pytest.fixture(scope="module")
def split(bundled: list[Example]) -> tuple[list[Example], list[Example]]:
    """(a stratified training sample, a validation sample) on the fixed split."""
    train, validation = split_validation(bundled)
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in train:
        by_label[example.label].append(example)
    rng = random.Random(0)
    sample = [
        e for rows in by_label.values() for e in rng.sample(rows, min(PER_CATEGORY, len(rows)))
    ]
    return sample, random.Random(1).sample(validation, 2000)


@pytest.fixture(scope="module")
def model(split: tuple[list[Example], list[Example]]) -> TextModel:
    return fit(split[0])


def test_bundled_data_is_found_and_complete(bundled: list[Example]) -> None:
    assert bundled_data_path().name == "incident_texts_train.jsonl.gz"
    assert len(bundled) == 69_605
    assert {e.label for e in bundled} == set(CATEGORIES)
    assert {e.source for e in bundled} == {"polisen", "ucpd", "crisislex_t26"}
    assert len(data_fingerprint()) == 16


def test_save_and_load_give_identical_probabilities(
    model: TextModel, split: tuple[list[Example], list[Example]], tmp_path: Path
) -> None:
    texts = [e.text for e in split[1][:300]]
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = TextModel.load(path)
    assert loaded.categories == model.categories == CATEGORIES
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    with np.load(path, allow_pickle=False) as data:  # plain arrays only, nothing pickled
        assert all(data[name].dtype != object for name in data.files)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Skottlossning i Rinkeby", "weapons"),
        ("Shots fired near the library", "weapons"),
        ("Brand i flerbostadshus", "fire"),
        ("Trafikolycka, personskada", "traffic"),
        ("Man misshandlad utanför krog", "violence"),
        ("Bicycle stolen from the rack outside the library", "theft"),
        ("Inbrott i villa", "burglary"),
        ("Försvunnen person", "missing_person"),
    ],
)
def test_clear_cases(model: TextModel, text: str, category: str) -> None:
    [(predicted, confidence)] = model.predict([text])
    assert predicted == category
    assert confidence > 1 / len(CATEGORIES)


def test_confidences_are_probabilities(model: TextModel) -> None:
    proba = model.predict_proba(["Krossad bilruta", "", "Fire near the river", "¿qué pasa?"])
    assert proba.shape == (4, len(CATEGORIES))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict_proba([]).shape == (0, len(CATEGORIES))


def test_small_model_is_useful(
    model: TextModel, split: tuple[list[Example], list[Example]]
) -> None:
    report = evaluate(model, split[1])
    assert report["n"] == 2000
    assert set(report["by_source"]) == {"polisen", "ucpd", "crisislex_t26"}
    assert report["macro_f1"] == macro_f1(model, split[1])
    assert report["macro_f1"] > 0.6  # ~0.7 from 3,000 rows; the full data reaches ~0.83


def test_validation_split_is_fixed_and_keeps_duplicates_together(bundled: list[Example]) -> None:
    train, validation = split_validation(bundled)
    assert (train, validation) == split_validation(bundled)
    assert 0.08 < len(validation) / len(bundled) < 0.12
    # Case and whitespace variants of one text land on the same side.
    for text in ("Trafikolycka", "Brand i flerbostadshus", "Resultat av polisens arbete"):
        sides = {
            is_validation(v) for v in (text, text.upper(), f"  {text}  ", text.replace(" ", "\n"))
        }
        assert len(sides) == 1
    seen_in_train = {" ".join(e.text.lower().split()) for e in train}
    assert not any(" ".join(e.text.lower().split()) in seen_in_train for e in validation)


def test_feedback_teaches_a_new_phrase(split: tuple[list[Example], list[Example]]) -> None:
    """A term the public data never uses ("swatting": a hoax call that sends armed police)."""
    phrase = "Swatting call at the dorm"
    assert fit(split[0]).predict([phrase])[0][0] != "harassment"
    taught = [
        Example(text, "harassment")
        for text in (
            "Swatting call to the residence hall",
            "Another swatting call, no emergency found",
            "Student reports swatting call made in her name",
            "Swatting call at the dorm, police responded",
            "Swatting hoax call about a shooter",
        )
    ]
    model = fit_with_feedback(split[0], taught)
    assert model.predict([phrase])[0][0] == "harassment"


def test_categories_missing_from_training_never_win() -> None:
    rows = [Example("Brand i villa", "fire"), Example("Bilolycka", "traffic")] * 10
    model = fit(rows)
    assert model.categories == CATEGORIES
    proba = model.predict_proba(["Brand i villa", "Bilolycka på E4"])
    assert [model.categories[i] for i in proba.argmax(axis=1)] == ["fire", "traffic"]
    assert proba[:, [CATEGORIES.index(c) for c in ("weapons", "fraud")]].max() < 1e-3


def test_press_notice_details_teach_words_the_summaries_lack() -> None:
    # Summaries alone never say "cykel"; the notices behind the theft rows do.
    rows = [
        Example("Händelse i centrum", "theft", "polisen", details="En cykel stals vid stationen"),
        Example("Händelse i hamnen", "fire", "polisen", details="Räddningstjänsten släckte"),
        Example("Brand i villa", "fire"),
        Example("Stöld i butik", "theft"),
    ] * 10
    without = fit(rows, recipe=replace(DEFAULT, details_weight=0.0))
    learned = fit(rows, recipe=replace(DEFAULT, details_weight=0.3))
    assert without.meta["details_rows"] == 0 and learned.meta["details_rows"] == 20
    theft = CATEGORIES.index("theft")
    assert learned.predict_proba(["cykel"])[0, theft] > without.predict_proba(["cykel"])[0, theft]
    assert learned.predict(["cykel"])[0][0] == "theft"


def test_bundled_polisen_rows_carry_their_press_notice(bundled: list[Example]) -> None:
    with_details = [e for e in bundled if e.details]
    assert {e.source for e in with_details} == {"polisen"}
    assert len(with_details) > 40_000  # most press notices were archived


def test_progress_is_reported(split: tuple[list[Example], list[Example]]) -> None:
    seen: list[tuple[str, float]] = []
    fit(split[0][:500], progress=lambda stage, fraction: seen.append((stage, fraction)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 3
