from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing to git"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The consumer subscribes to events on import; tasks tell recovery what is owed.
        from publishing import handlers, tasks  # noqa: F401

        tasks.register_owed_kinds()

        from core.backup_registry import register_backup, register_backup_exclusion
        from publishing import models as m

        # Token, SSH key and webhook secret are written as stored, encrypted.
        register_backup(m.RepositoryConnection)
        register_backup(m.RepositoryFile, incident_paths="incident__")
        register_backup(m.PublishDelivery, incident_paths="postmortem__incident__")
        register_backup(m.IncomingRevision, incident_paths="file__incident__")
        register_backup_exclusion(
            m.ImportRun, reason="a log of what an import read; the files stay in the repository"
        )
