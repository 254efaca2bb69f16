"""Threat classification wire types, shared by Atlas (which answers) and its callers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProductMappings(BaseModel):
    model_config = ConfigDict(frozen=True)

    halo_incident_type: str
    polisen_type: str


class Classification(BaseModel):
    """One text's threat label, the `classification` object of Atlas's answer."""

    model_config = ConfigDict(frozen=True)

    threat_category: str
    threat_subcategory: str
    severity: int = Field(ge=1, le=5)
    confidence: float = Field(ge=0.0, le=1.0)
    product_mappings: ProductMappings
