"""Photo, video and audio analysis, passed to Atlas with the incident's context."""
