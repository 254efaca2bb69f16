"""Benchmarks for Safewatch. `python -m bench` runs them all; see bench/README.md."""

# How the bench tells the baseline server (bench/baseline_app.py) which database to use.
BASELINE_DATABASE_ENV = "BENCH_BASELINE_DATABASE_URL"
# The PostgreSQL server runs create their fresh databases on (and drop them from).
POSTGRES_ADMIN_ENV = "BENCH_POSTGRES_URL"
POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
