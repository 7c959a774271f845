from django.apps import AppConfig


class TrackersConfig(AppConfig):
    name = "trackers"
    verbose_name = "Trackers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from trackers import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()

        from core.backup_registry import register_backup, register_backup_exclusion
        from trackers import models as m

        # Token and webhook secret are written as stored, encrypted (TRACKER_ENCRYPTION_KEYS).
        register_backup(m.TrackerConnection, m.TrackerAccount, m.TrackerRepositoryRename)
        register_backup(m.TrackerIssueCreation, incident_paths="action_item__incident__")
        register_backup(m.TrackerIssueUpdate, incident_paths="issue__action_item__incident__")
        register_backup_exclusion(
            m.TrackerWebhookDelivery, reason="a week of delivery ids, against replays"
        )
        register_backup_exclusion(
            m.GitHubLoginLookup, reason="GitHub's user search answers, kept a day or a week"
        )
