from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # The search app hooks into the domain through its registries: it keeps its index
        # up to date as an events consumer, and lends that index to the incident list's and
        # the board's free-text filters. The incidents app never imports this one.
        from incidents import text_search
        from search import handlers, matching  # noqa: F401  (handlers subscribe on import)

        text_search.register(
            incident=matching.incident_matches, action_item=matching.action_item_matches
        )

        from core.backup_registry import register_backup, register_backup_exclusion
        from search import models as m

        register_backup(m.RecurrenceLink, incident_paths=("incident__", "same_as__"))
        register_backup_exclusion(
            m.IncidentSearchDocument, m.ActionItemSearchDocument,
            reason="derived: manage.py rebuild_search_index makes it again",
        )  # fmt: skip
