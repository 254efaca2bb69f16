"""What Halo knows of its Atlas connection: said once at start and in `/readyz` details, so
an operator sees at once that reports are classified by the fallback only, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safewatch.core.logging import get_logger
from safewatch.halo.settings import HaloSettings

log = get_logger(__name__)
NOT_CONFIGURED_HINT = (
    "ATLAS_API_KEY is not set: reports are classified by Halo's keyword fallback only; set it "
    "(and ATLAS_API_URL), or run Halo with Atlas in one `safewatch serve`"
)


@dataclass
class AtlasLink:
    url: str
    configured: bool
    refusal: str | None = None  # Atlas's last refusal of a report, until it classifies one

    @classmethod
    def of(cls, settings: HaloSettings) -> AtlasLink:
        return cls(settings.atlas.api_url, settings.atlas.api_key is not None)

    def saw(self, source: str, refusal: str | None) -> None:
        """After each report: Atlas classified it, refused it, or was not asked."""
        if source == "atlas":
            self.refusal = None
        elif refusal is not None:
            self.refusal = refusal

    def details(self) -> dict[str, Any]:
        if not self.configured:
            return {"state": "not_configured", "url": self.url, "hint": NOT_CONFIGURED_HINT}
        if self.refusal is not None:
            return {
                "state": "rejected",
                "url": self.url,
                "hint": f"Atlas refused Halo's last report: {self.refusal}; check ATLAS_API_KEY",
            }
        return {"state": "configured", "url": self.url}

    async def warn_at_start(self) -> None:
        if not self.configured:
            log.warning("halo_atlas_not_configured", url=self.url, hint=NOT_CONFIGURED_HINT)
