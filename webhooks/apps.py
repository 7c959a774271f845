from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from webhooks import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()

        from core.backup_registry import register_backup, register_backup_exclusion
        from webhooks.models import (
            EndpointDisabledEmail,
            WebhookAttempt,
            WebhookDelivery,
            WebhookEndpoint,
        )

        # The signing secret is stored in the clear: a restored endpoint gets a new one.
        register_backup(WebhookEndpoint, leave_out=("secret",))
        register_backup_exclusion(
            WebhookDelivery,
            WebhookAttempt,
            EndpointDisabledEmail,
            reason="a log of events and notices sent, not resent after a restore",
        )
