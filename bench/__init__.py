"""Benchmarks for Safewatch. `python -m bench` runs them all; see bench/README.md."""
