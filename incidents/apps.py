from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # The composition root: consumers subscribe to events, tasks tell recovery what
        # is owed. The domain modules (models, services) import none of these.
        from incidents import dashboard_cache, handlers, tasks  # noqa: F401  (handlers subscribe on import)

        tasks.register_owed_kinds()
        dashboard_cache.register()
