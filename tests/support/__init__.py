"""Reusable test support: a PostgreSQL server, a moto SQS server, queues as infra creates them,
real `celery worker` / `gunicorn` subprocesses with the contract environment, and Celery
messages in kombu's SQS envelope. Plain functions and classes (no pytest), so fault tests,
benchmarks and the local rehearsal tool can use them too; fixtures live in tests/conftest.py.
"""
