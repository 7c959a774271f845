from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # The composition root: consumers subscribe to events, tasks tell recovery what
        # is owed, the visibility rule is handed to the request memo. The domain modules
        # (models, services) import none of these.
        from core import visibility
        from incidents import handlers, tasks  # noqa: F401  (handlers subscribe on import)
        from incidents.models import private_incident_ids

        tasks.register_owed_kinds()
        visibility.set_private_incidents_rule(private_incident_ids)
