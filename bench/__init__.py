"""Benchmarks for Safewatch. `python -m bench` runs them all; see bench/README.md."""

# How the bench tells the baseline server (bench/baseline_app.py) which database to use.
BASELINE_DATABASE_ENV = "BENCH_BASELINE_DATABASE_URL"
