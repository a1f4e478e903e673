"""Adversarial and moment-matching generator nets (§20.10.4–20.10.6)."""

__all__ = []
