"""The Django project: settings, Celery app, URLs, WSGI entry point and health checks.

May import: Django, DRF, Celery, the standard library and, from the app, only ``healthkit.errors``
(the API's error shape); nothing outside app/ (the image holds app/ only).
"""

from backend.celery import app as celery_app

__all__ = ("celery_app",)
