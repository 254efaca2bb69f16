"""Prometheus counters behind the KPIs (Atlas call latency is the client's own histogram)."""

from prometheus_client import Counter

INCIDENTS = Counter(
    "halo_incidents_total",
    "Incidents created, by who classified them at creation and why the fallback did",
    ["classification_source", "fallback_reason"],
)
VALIDATIONS = Counter(
    "halo_validations_total", "Validations, by whether they corrected the category", ["corrected"]
)
SYNCED = Counter(
    "halo_atlas_synced_total", "Incidents classified through Atlas after creation (the sync job)"
)
