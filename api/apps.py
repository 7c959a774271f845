from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.models import ApiToken
        from core.backup_registry import register_backup

        register_backup(ApiToken)  # only the hash of each token is stored, and so written
