"""Properties of the keyword fallback classifier: whatever text it is given, it answers with a
valid Classification (never raises), and the same text always gets the same answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from safewatch.contracts.fallback import (
    CATEGORY_KEYWORDS,
    MAX_CONFIDENCE,
    MIN_CONFIDENCE,
    NO_MATCH_CONFIDENCE,
    category_scores,
    classify_text,
)
from safewatch.contracts.taxonomy import CATEGORIES, HALO_INCIDENT_TYPES, SUBCATEGORIES
from safewatch.contracts.threats import Classification

PROPERTY = settings(deadline=None, derandomize=True, database=None)
# The classifier's own keywords ("*brand*" -> "brand"), so texts match one or many categories.
KEYWORDS = sorted(
    {
        word.strip("*")
        for by_weight in CATEGORY_KEYWORDS.values()
        for patterns in by_weight.values()
        for pattern in patterns.split("|")
        for word in pattern.split()
    }
)
TOKENS = st.sampled_from(KEYWORDS) | st.text(max_size=12)
SEPARATORS = st.sampled_from([" ", "  ", "\n", ", ", ". ", "-", "/", "!!", "\u00a0", ""])


@st.composite
def keyword_texts(draw: st.DrawFn) -> str:
    """Keywords and arbitrary unicode, in any case, glued by spaces, punctuation or nothing."""
    tokens = draw(st.lists(TOKENS, max_size=15))
    text = "".join(token + draw(SEPARATORS) for token in tokens)
    return text.upper() if draw(st.booleans()) else text


def assert_valid(result: Classification) -> None:
    assert result.threat_category in CATEGORIES
    assert result.threat_subcategory in {sub.name for sub in SUBCATEGORIES[result.threat_category]}
    assert isinstance(result.severity, int) and 1 <= result.severity <= 5
    assert NO_MATCH_CONFIDENCE <= result.confidence <= MAX_CONFIDENCE <= 1
    assert result.product_mappings.halo_incident_type in HALO_INCIDENT_TYPES


@settings(PROPERTY, max_examples=300)
@given(text=st.text(max_size=2000))
def test_any_unicode_text_gets_a_valid_classification(text: str) -> None:
    assert_valid(classify_text(text))


@settings(PROPERTY, max_examples=300)
@given(text=keyword_texts())
def test_keyword_texts_get_a_valid_and_stable_classification(text: str) -> None:
    first = classify_text(text)
    assert_valid(first)
    assert classify_text(text) == first  # the matcher's memo changes nothing
    if category_scores(text):  # a keyword match is never as sure as the model
        assert MIN_CONFIDENCE <= first.confidence <= MAX_CONFIDENCE
    else:
        assert (first.threat_category, first.confidence) == ("other", NO_MATCH_CONFIDENCE)
