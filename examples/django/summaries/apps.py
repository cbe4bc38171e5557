from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "AI session summaries"
    default_auto_field = "django.db.models.BigAutoField"
