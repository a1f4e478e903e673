"""Data loaders: bundled digits, and a fetcher for binarized MNIST."""

__all__ = []
