"""Test support: databases on SQLite and PostgreSQL, real server processes, loopback fakes."""
