"""Writes: import batches and chunks (imports.py), samples (samples.py)."""
