"""The integration plan's success metrics, measured."""
