"""Shared utilities: validation, random streams, progress reporting, plotting."""
