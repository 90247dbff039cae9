"""Benchmarks of the import service (not tests): `uv run python -m bench` (see bench/README.md).

They start their own PostgreSQL and moto server with tests/support, run the real service
function and real `celery worker` processes, and print figures and ratios.
"""
