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
        register_backup(m.ChatNotifyChoice)
        register_backup_exclusion(
            m.ChatDelivery, reason="a log of chat messages posted, claimed by token"
        )
        register_backup_exclusion(
            m.ChatCommand, reason="slash commands taken in; what they did is in the incident"
        )

        # Reminders, notifications and the team's news in chat (lent to the apps below).
        from chat import notify_tasks, tasks

        notify_tasks.register()
        tasks.register_owed_commands()
