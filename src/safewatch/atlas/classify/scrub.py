"""Remove contact details and personal ids before a text is stored or learned from."""

from __future__ import annotations

import re

from safewatch.core.pii import EMAIL

# Swedish personal identity numbers: (YY)YYMMDD-XXXX or +XXXX
_PERSONAL_ID = re.compile(r"\b(19|20)?\d{6}[-+]\d{4}\b")
# Phone and card numbers: digit runs with spaces, dashes, dots or brackets inside
_NUMBER = re.compile(r"(?<![\w])\+?\d[\d \-.()]{5,}\d(?![\w])")
_DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[:.]\d{2}")


def _number(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or _DATE_OR_TIME.fullmatch(found.strip()):
        return found
    return "[number]"


def scrub(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = _PERSONAL_ID.sub("[id]", text)
    return _NUMBER.sub(_number, text)
