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
        _register_backup()


def _register_backup() -> None:
    from core.backup_registry import register_backup
    from postmortems import models as m

    register_backup(
        m.PostmortemTemplate, m.TemplateSection, m.TeamTemplateDefault, m.TemplateChange
    )
    register_backup(m.Postmortem, incident_paths="incident__")
    register_backup(
        m.PostmortemSection, m.Review, m.PublishedVersion, m.CommentThread,
        incident_paths="postmortem__incident__",
    )  # fmt: skip
    register_backup(m.Comment, incident_paths="thread__postmortem__incident__")
