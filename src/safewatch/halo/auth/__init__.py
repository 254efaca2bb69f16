"""Signing in to Halo: reporters and validators."""
