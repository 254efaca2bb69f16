"""Atlas scrubs what products send before it stores or learns from a text: the same e-mail
addresses Halo's scrubber removes never reach the threat store whole."""

from __future__ import annotations

from hypothesis import given, settings
from tests.halo.test_scrub_properties import ADDRESSES, PROPERTY, around

from safewatch.atlas.classify.scrub import scrub


@settings(PROPERTY, max_examples=200)
@given(address=ADDRESSES, context=around())
def test_an_email_address_is_removed_whole(address: str, context: tuple[str, str]) -> None:
    before, after = context
    assert scrub(before + address + after) == before + "[email]" + after


def test_phone_numbers_and_personal_ids_go_but_dates_and_times_stay() -> None:
    text = "Ring 070-123 45 67, pnr 19850101-1234, den 2026-03-14 kl. 21.30"
    assert scrub(text) == "Ring [number], pnr [id], den 2026-03-14 kl. 21.30"
