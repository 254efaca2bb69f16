"""Threat classification: the model engine, the threat store and the classify API."""
