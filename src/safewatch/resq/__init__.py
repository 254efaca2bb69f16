"""ResQ campus dispatch service."""
