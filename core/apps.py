from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Events and deliveries"

    def ready(self) -> None:
        from core import checks, dashboard_cache  # noqa: F401 (checks registers itself)
        from core.backup_registry import register_backup, register_backup_exclusion
        from core.models import ChangeRecord, EventHandling

        dashboard_cache.register()
        register_backup(ChangeRecord, incident_paths="incident__")
        register_backup_exclusion(
            EventHandling, reason="the outbox's work queue: a restore does not re-handle events"
        )
        register_backup_exclusion(
            "contenttypes.contenttype", "auth.permission",
            reason="made by migrate in every database",
        )  # fmt: skip
        register_backup_exclusion(
            "auth.group", reason="not used: roles come from teams and is_staff/is_superuser"
        )
        register_backup_exclusion(
            "admin.logentry", "sessions.session", reason="sign-ins and the admin's own log"
        )
