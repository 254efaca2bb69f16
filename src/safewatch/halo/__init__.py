"""Halo service."""
