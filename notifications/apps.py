from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumers subscribe to events on import; tasks tell recovery what is owed.
        from notifications import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()

        from core.backup_registry import register_backup
        from notifications import models as m

        register_backup(m.NotificationPreference, m.NotificationEmail)
        register_backup(m.Follow, m.Notification, incident_paths="incident__")
