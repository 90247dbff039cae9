from django.apps import AppConfig


class HealthkitConfig(AppConfig):
    name = "healthkit"
    verbose_name = "HealthKit imports"
    default_auto_field = "django.db.models.BigAutoField"
