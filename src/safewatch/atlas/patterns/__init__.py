"""Intelligence patterns near a place: hotspots, trends, repeat series, cross-product.

What other Atlas domains may use is exported here; the rest is this package's own."""

from safewatch.atlas.patterns.service import nearby_stored

__all__ = ["nearby_stored"]
