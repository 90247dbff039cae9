"""The Django project: settings, Celery app, URLs, WSGI entry point and health checks."""

from backend.celery import app as celery_app

__all__ = ("celery_app",)
