from django.apps import AppConfig


class HealthkitConfig(AppConfig):
    name = "healthkit"
    verbose_name = "HealthKit imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from healthkit import tasks  # noqa: F401 - registers healthkit.import_chunk (see healthkit.enqueue)
