from django.apps import AppConfig


class ConfluenceConfig(AppConfig):
    name = "confluence"
    verbose_name = "Confluence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from confluence import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()

        from confluence import models as m
        from core.backup_registry import register_backup

        # The API token is written as stored, encrypted (TRACKER_ENCRYPTION_KEYS).
        register_backup(m.ConfluenceConnection)
        register_backup(
            m.ConfluencePage, m.ConfluenceDelivery, incident_paths="postmortem__incident__"
        )
