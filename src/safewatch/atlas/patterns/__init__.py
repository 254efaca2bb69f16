"""Intelligence patterns near a place: hotspots, trends, repeat series, cross-product."""
