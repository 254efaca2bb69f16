"""Personal data out of texts before they leave Halo: names, phone numbers, e-mail addresses."""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.clock import Clock
from safewatch.core.pii import EMAIL
from safewatch.halo.models import User

# Times and dates as Swedes write them that are also valid phone numbers for the matcher:
# "kl. 09.00-15.30" and "06-07-2013" stay (measured: 1 in 13 time ranges and 1 in 10 dates were
# scrubbed as [phone]).
_HOUR, _MINUTE = r"(?:[01]?\d|2[0-3])", r"[0-5]\d"
NOT_A_PHONE = re.compile(
    rf"{_HOUR}[.:]{_MINUTE}\s*[-\u2013]\s*{_HOUR}[.:]{_MINUTE}"
    r"|(?:0?[1-9]|[12]\d|3[01])([-./])(?:0?[1-9]|1[0-2])\1(?:19|20)\d\d"
)
# A single name part this short ("Li", "Bo") is too often an ordinary word to remove alone.
MIN_NAME_PART = 3


def name_patterns(full_name: str) -> list[re.Pattern[str]]:
    """The whole name in any case; each part alone only when capitalised as written, so a user
    called "Park" does not blank out "car park"."""
    full = full_name.strip()
    if not full:
        return []
    patterns = [re.compile(rf"\b{re.escape(full)}\b", re.IGNORECASE)]
    patterns += [
        re.compile(rf"\b{re.escape(part)}\b")
        for part in full.split()
        if len(part) >= MIN_NAME_PART and part != full
    ]
    return patterns


def scrub(text: str, names: Iterable[str], region: str) -> str:
    """`text` with e-mail addresses, phone numbers (valid for `region` or international) and
    the given people's names replaced by [email], [phone] and [name]."""
    text = EMAIL.sub("[email]", text)
    matches = [
        match
        for match in phonenumbers.PhoneNumberMatcher(text, region)
        if not NOT_A_PHONE.fullmatch(match.raw_string)
    ]
    for match in reversed(matches):
        text = text[: match.start] + "[phone]" + text[match.end :]
    # Longest names first, so "Anna Berg" goes whole before "Anna" alone.
    for full_name in sorted(set(names), key=len, reverse=True):
        for pattern in name_patterns(full_name):
            text = pattern.sub("[name]", text)
    return text


class KnownNames:
    """Every Halo user's full name, re-read at most every `refresh_seconds` (new users join
    through the CLI, possibly from another process)."""

    def __init__(self, clock: Clock, refresh_seconds: float = 60.0) -> None:
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self._names: list[str] = []
        self._loaded_at: float | None = None

    def invalidate(self) -> None:
        self._loaded_at = None

    async def get(self, session: AsyncSession) -> list[str]:
        now = self.clock.monotonic()
        if self._loaded_at is None or now - self._loaded_at > self.refresh_seconds:
            self._names = list((await session.scalars(select(User.full_name))).all())
            self._loaded_at = now
        return self._names
