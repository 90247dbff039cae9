"""Apple HealthKit sample imports: validate, store in chunks, upsert in a Celery task.

May import: Django, DRF, Celery, psycopg, the standard library and, from ``backend``, only its log
context (``backend.jsonlog``); nothing outside app/. Services never import the tasks module: a
chunk's task is enqueued by its registered name (``healthkit.enqueue``).
"""
