from django.apps import AppConfig


class TrackersConfig(AppConfig):
    name = "trackers"
    verbose_name = "Trackers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from trackers import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()
