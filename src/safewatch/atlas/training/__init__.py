"""Feedback from the products, training, and the model registry (champion and challengers)."""
