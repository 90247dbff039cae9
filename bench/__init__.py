"""Benchmarks of the import service (not tests): `uv run python -m bench` (see bench/README.md).

They start their own PostgreSQL and moto server with localservices, run the real service
function and real `celery worker` processes, and print figures and ratios.

May import: ``localservices``, the app's packages (``healthkit``, ``backend``: bench/environment.py
puts app/ on the path) and third-party packages; never ``tests``.
"""
