"""Intelligence patterns near a point, from Atlas, cached briefly."""
