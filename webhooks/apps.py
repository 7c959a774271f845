from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from webhooks import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()
