"""Reads that cross tables, with the joins and prefetches their pages need.

Each takes the user who reads: private incidents they may not see are left out. None is for
commands run on the server by an operator, who sees everything.
"""

from django.db.models import Count, Prefetch

from incidents.models import ActionItem, Cause, Incident, TimelineEvent, User


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
        queryset=ActionItem.objects.select_related("owner", "tracker_issue").prefetch_related(
            "causes"
        ),
    )


def _incidents(user: User | None):
    return Incident.objects.all() if user is None else Incident.objects.visible_to(user)


def incident_list(user: User | None) -> "Incident.objects":
    """Return the incidents the user may see, newest first, with what the list shows."""
    return _incidents(user).select_related("commander", "team").prefetch_related("services")


def incident_for_document(user: User | None):
    """Return the incidents the user may see, with everything the document shows."""
    return (
        _incidents(user)
        .select_related("commander", "team", "postmortem")
        .prefetch_related(
            "services",
            "tags",
            Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
            _causes_with_items(),
            _items_with_causes(),
        )
    )


def action_items_for_board(user: User):
    """Return the items the user may see, with the incident and owner each board row shows."""
    return (
        ActionItem.objects.visible_to(user)
        .select_related("incident", "incident__team", "owner", "tracker_issue")
        .order_by("due_date", "pk")
    )


def status_counts(items) -> dict[str, int]:
    """Return how many of the given items are in each status, counted in the database."""
    counts = dict.fromkeys(ActionItem.Status.values, 0)
    for row in items.order_by().values("status").annotate(total=Count("pk")):
        counts[row["status"]] = row["total"]
    return counts


def incident_for_page(user: User | None):
    """Return the incidents the user may see, with everything the incident page shows.

    The postmortem comes through its reverse relation, so this app needs no import of it.
    """
    return (
        _incidents(user)
        .select_related("commander", "team", "created_by")
        .prefetch_related(
            "services",
            "tags",
            Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
            _causes_with_items(),
            _items_with_causes(),
            "postmortem__authors",
            "postmortem__reviewers",
        )
    )


def incident_history(incident: Incident, limit: int = 100):
    """Return the latest changes to the incident, newest first, with who made them."""
    return incident.changes.select_related("actor")[:limit]
