"""Atlas service."""
