"""Incident reports: create (classified through Atlas or the fallback), read, validate."""
