"""The local services that the tests, the rehearsal and the benchmarks all start.

A throw-away PostgreSQL server (``postgres``), a moto server and SQS queues created the way infra
creates them (``sqs``), managed subprocesses with captured logs: ``celery worker`` and
``gunicorn`` with the contract environment (``processes``, ``environment``), free ports
(``ports``), polling with a deadline (``waiting``), HealthKit sample payloads (``samples``), an
HTTP client for the API (``api``) and Celery messages in kombu's SQS envelope
(``celery_messages``). Plain functions and classes (no pytest); fixtures live in tests/conftest.py.

May import: the standard library and third-party packages only (not ``app/``, ``infra/``, the
other top-level packages, nor ``tests``).
"""
