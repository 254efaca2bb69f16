"""Shared kernel: settings, database, jobs, HTTP helpers. Knows no service's domain."""
