from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chat import models as m
        from core.backup_registry import register_backup, register_backup_exclusion

        # Secrets are written as stored, encrypted (TRACKER_ENCRYPTION_KEYS), as trackers do.
        register_backup(m.ChatConnection, m.ChatUserLink)
        register_backup(m.IncidentChannel, incident_paths="incident__")
        register_backup_exclusion(
            m.ChatCommand, reason="slash commands taken in; what they did is in the incident"
        )
