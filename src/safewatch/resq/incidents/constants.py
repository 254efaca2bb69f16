"""Incident vocabulary, as the seed names it."""

CREATED, ASSIGNED, RESOLVED, CANCELLED = "CREATED", "ASSIGNED", "RESOLVED", "CANCELLED"
CLOSED_STATUSES = (RESOLVED, CANCELLED)

PRIORITIES = ("Low", "Medium", "High", "Critical")
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}

VIOLENCE_DETECTED, SCREAM_DETECTED, SOS = "VIOLENCE_DETECTED", "SCREAM_DETECTED", "SOS"


def lower_priorities(priority: str) -> tuple[str, ...]:
    return PRIORITIES[: PRIORITY_RANK[priority]]
