from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Postmortems"

    def ready(self) -> None:
        # The postmortem app hooks into incident writes through the incidents app's
        # registries; the incidents app never imports this one.
        from core import events
        from incidents.services import register_write_guard
        from postmortems import services

        events.in_transaction("incident.created")(services.start_draft_for_new_incident)
        register_write_guard(services.refuse_writes_when_published)
