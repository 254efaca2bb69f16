"""Patterns for personal data that every service scrubs the same way."""

from __future__ import annotations

import re

# The local part takes every character RFC 5322 allows unquoted ("o'brien@", "a!b@"), so no
# piece of an address is left behind.
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
