"""Media listing shape (the analysis itself is `contracts.atlas.media.AnalysisOut`)."""

from __future__ import annotations

from pydantic import BaseModel

from safewatch.contracts.atlas.media import AnalysisOut


class AnalysisPage(BaseModel):
    items: list[AnalysisOut]
    count: int
