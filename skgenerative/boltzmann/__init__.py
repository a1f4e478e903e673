"""Energy-based models (§20.1–20.8): RBMs, DBNs, DBMs and their unit types."""

__all__ = []
