from django.apps import AppConfig


class HealthkitConfig(AppConfig):
    name = "healthkit"
    verbose_name = "HealthKit imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the Celery tasks in every process (api, worker, commands): healthkit.enqueue
        # sends them by name, without importing the tasks module (which imports the services).
        from healthkit import export_tasks, tasks  # noqa: F401
