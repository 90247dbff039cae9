"""Apple HealthKit sample imports: validate, store in chunks, upsert in a Celery task."""
