"""Safewatch: ResQ campus dispatch, Atlas Intelligence and Halo incident reporting."""

__version__ = "0.1.0"
