from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alerts import models as m
        from core.backup_registry import register_backup

        # The secrets are written as stored, encrypted (TRACKER_ENCRYPTION_KEYS).
        register_backup(m.AlertSource, m.AlertServiceRule)
        register_backup(m.AlertLink, incident_paths="incident__")
        # A fact whose incident was deleted is kept too, so a replay stays a replay.
        register_backup(m.AlertEvent, incident_paths="incident__")
