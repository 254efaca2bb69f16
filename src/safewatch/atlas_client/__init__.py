"""The Atlas client library: what Halo, Frontline, SAIT or any product uses to call Atlas.

It needs none of Atlas's server or ML dependencies (httpx and pydantic only)::

    from safewatch.atlas_client import AtlasClient, AtlasUnavailableError

    async with AtlasClient() as atlas:          # ATLAS_API_URL, ATLAS_API_KEY, ATLAS_PRODUCT ...
        try:
            result = await atlas.classify_incident(
                "Gunshots heard", (59.3293, 18.0686), idempotency_key="report-42", deadline=0.8
            )
        except AtlasUnavailableError:
            ...                                  # fall back; try again later with the same key

Every call ends within its deadline or raises `AtlasUnavailableError` (`AtlasRejectedError`,
its subclass, for a 4xx that no retry will fix). See `AtlasClient` for retries and cooldown.
"""

from safewatch.atlas_client.client import MEDIA_TYPES, AtlasClient
from safewatch.atlas_client.cooldown import Cooldown
from safewatch.atlas_client.errors import AtlasRejectedError, AtlasUnavailableError
from safewatch.atlas_client.settings import AtlasClientSettings
from safewatch.atlas_client.stats import CallSummary

__all__ = [
    "MEDIA_TYPES",
    "AtlasClient",
    "AtlasClientSettings",
    "AtlasRejectedError",
    "AtlasUnavailableError",
    "CallSummary",
    "Cooldown",
]
