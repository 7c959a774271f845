"""Reads that cross tables, with the joins and prefetches their pages need."""

from django.db.models import Count, Prefetch

from incidents.models import ActionItem, Cause, Incident, TimelineEvent


def _causes_with_items() -> Prefetch:
    """Prefetch causes with the action items addressing each, as the page and document list them."""
    return Prefetch(
        "causes",
        queryset=Cause.objects.prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner"))
        ),
    )


def _items_with_causes() -> Prefetch:
    return Prefetch(
        "action_items",
        queryset=ActionItem.objects.select_related("owner").prefetch_related("causes"),
    )


def incident_list() -> "Incident.objects":
    """Return incidents newest first with what the list shows, in a fixed number of queries."""
    return Incident.objects.select_related("commander", "team").prefetch_related("services")


def incident_for_document():
    """Return incidents with everything the postmortem document shows, prefetched."""
    return Incident.objects.select_related("commander", "team", "postmortem").prefetch_related(
        "services",
        "tags",
        Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
        _causes_with_items(),
        _items_with_causes(),
    )


def action_items_for_board():
    """Return action items with the incident and owner each board row shows."""
    return ActionItem.objects.select_related("incident", "incident__team", "owner").order_by(
        "due_date", "pk"
    )


def status_counts(items) -> dict[str, int]:
    """Return how many of the given items are in each status, counted in the database."""
    counts = dict.fromkeys(ActionItem.Status.values, 0)
    for row in items.order_by().values("status").annotate(total=Count("pk")):
        counts[row["status"]] = row["total"]
    return counts


def incident_for_page():
    """Return incidents with everything the incident page shows, including the postmortem.

    The postmortem comes through its reverse relation, so this app needs no import of it.
    """
    return Incident.objects.select_related("commander", "team", "created_by").prefetch_related(
        "services",
        "tags",
        Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
        _causes_with_items(),
        _items_with_causes(),
        "postmortem__authors",
        "postmortem__reviewers",
    )


def incident_history(incident: Incident, limit: int = 100):
    """Return the latest changes to the incident, newest first, with who made them."""
    return incident.changes.select_related("actor")[:limit]
