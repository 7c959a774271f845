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
        from incidents.models import private_incident_ids_for

        tasks.register_owed_kinds()
        _register_backup()
        visibility.set_private_incidents_rule(private_incident_ids_for)


def _register_backup() -> None:
    from core.backup_registry import register_backup, register_backup_exclusion
    from incidents import models as m

    register_backup(m.User, m.Team, m.Service, m.Tag)
    register_backup(m.Incident, incident_paths="")
    register_backup(m.TimelineEvent, m.Cause, m.ActionItem, incident_paths="incident__")
    register_backup(m.TrackerIssue, incident_paths="action_item__incident__")
    register_backup_exclusion(
        m.ReminderDelivery, reason="a log of reminder e-mails sent, claimed by token"
    )
    register_backup_exclusion(
        m.OpenItemCount,
        reason="counts derived from the action items; rebuild_dashboard_counts remakes them",
    )
