"""Reads that cross tables, with the joins and prefetches their pages need.

Each takes the user who reads: private incidents they may not see are left out. None is for
commands run on the server by an operator, who sees everything.
"""

from django.db.models import Count, Prefetch, prefetch_related_objects

from incidents.models import ActionItem, Cause, Incident, TimelineEvent, User


def _causes_with_items() -> Prefetch:
    """Prefetch causes with the action items addressing each, as the page and document list them."""
    return Prefetch(
        "causes",
        queryset=Cause.objects.prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")), "tags"
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


def _document_rows() -> list:
    return [
        "services",
        "tags",
        "postmortem__sections",
        Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
        _causes_with_items(),
        _items_with_causes(),
    ]


def incident_for_document(user: User | None):
    """Return the incidents the user may see, with everything the document shows."""
    return (
        _incidents(user)
        .select_related("commander", "team", "postmortem", "postmortem__template")
        .prefetch_related(*_document_rows())
    )


def _rendered_document_rows() -> list:
    # What the document page draws, and no more: no services, tags or who wrote which
    # event (the exports' front matter has those, through incident_for_document).
    return [
        "postmortem__sections",
        "timeline_events",
        "causes",  # with their items: link_causes_and_items()
        Prefetch(
            "action_items", queryset=ActionItem.objects.select_related("owner", "tracker_issue")
        ),
    ]


def fetch_document_rows(incident: Incident) -> None:
    """Fetch the rows the document page shows onto an incident_for_page_head() one."""
    prefetch_related_objects([incident], *_rendered_document_rows())
    link_causes_and_items(incident)


def action_items_for_board(user: User):
    """Return the items the user may see, with the incident and owner each board row shows."""
    return (
        ActionItem.objects.visible_to(user)
        .select_related("incident", "incident__team", "owner", "tracker_issue")
        .order_by("due_date", "pk")
    )


# The columns a board row shows (templates/jinja2/incidents/board_rows.html). The rest of
# the incident and owner (a summary, an impact, a password hash) were most of what the
# page read and turned into objects, fifty times over.
BOARD_ROW_COLUMNS = (
    "title",
    "kind",
    "status",
    "due_date",
    "priority",
    "incident__title",
    "incident__severity",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    # The tracker badge (its macro in the same template).
    "tracker_issue__kind",
    "tracker_issue__key",
    "tracker_issue__url",
    "tracker_issue__state",
    "tracker_issue__assignee",
    "tracker_issue__last_error",
)


def board_rows(items):
    """Return the board's items with only what their rows show, for one page of them."""
    return (
        items.select_related(None)
        .select_related("incident", "owner", "tracker_issue")
        .only(*BOARD_ROW_COLUMNS)
    )


def status_counts(items) -> dict[str, int]:
    """Return how many of the given items are in each status, counted in the database."""
    counts = dict.fromkeys(ActionItem.Status.values, 0)
    for row in items.order_by().values("status").annotate(total=Count("pk")):
        counts[row["status"]] = row["total"]
    return counts


def _page_rows(*, links: bool = True) -> list:
    """The incident page's rows; without `links`, the causes and items come without the links
    between them, for link_causes_and_items() to fill in."""
    return [
        "services",
        "tags",
        Prefetch("timeline_events", queryset=TimelineEvent.objects.select_related("author")),
        _causes_with_items()
        if links
        else Prefetch("causes", queryset=Cause.objects.prefetch_related("tags")),
        _items_with_causes()
        if links
        else Prefetch(
            "action_items", queryset=ActionItem.objects.select_related("owner", "tracker_issue")
        ),
        "postmortem__authors",
    ]


def incident_for_page(user: User | None):
    """Return the incidents the user may see, with everything the incident page shows.

    The postmortem comes through its reverse relation, so this app needs no import of it.
    """
    return (
        _incidents(user)
        .select_related("commander", "team", "created_by")
        .prefetch_related(*_page_rows())
    )


def incident_for_page_head(user: User | None):
    """Return the incidents the user may see, with only what the page needs around its body
    (title, permissions): the body may come from the page cache."""
    return (
        _incidents(user)
        .select_related("commander", "team", "created_by", "postmortem")
        .prefetch_related("postmortem__authors")
    )


def fetch_page_rows(incident: Incident) -> None:
    """Fetch the rows the incident page's body shows onto an incident_for_page_head() one."""
    prefetch_related_objects([incident], *_page_rows(links=False))
    link_causes_and_items(incident)


def link_causes_and_items(incident: Incident) -> None:
    """Fill in each fetched cause's action items and each fetched item's causes.

    The page and the document list both sides. Prefetching each side read the items and the
    causes a second time and built them anew; one query of the pairs says the same. Both
    belong to the incident (ActionItem.causes), so its own rows are all there is to link.
    """
    causes = list(incident.causes.all())
    items = list(incident.action_items.all())
    pairs = set()
    if causes and items:
        pairs = set(
            ActionItem.causes.through.objects.filter(
                actionitem_id__in=[item.pk for item in items]
            ).values_list("actionitem_id", "cause_id")
        )
    # Each side in its own order (position, then id), as a prefetch would have it.
    for cause in causes:
        _prefetched(cause, "action_items", [i for i in items if (i.pk, cause.pk) in pairs])
    for item in items:
        _prefetched(item, "causes", [c for c in causes if (item.pk, c.pk) in pairs])


def _prefetched(instance, relation: str, rows: list) -> None:
    """Store rows as the prefetched content of instance's many-to-many relation."""
    manager = getattr(instance, relation)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.prefetch_cache_name] = queryset


# Events whose target is another incident (e.g. "same root cause" links): an entry naming a
# private incident is left out for anyone who may not see that one.
NAMING_ANOTHER_INCIDENT = ("recurrence.linked", "recurrence.unlinked")


def incident_history(incident: Incident, limit: int = 100, *, user: User | None = None):
    """Return the latest changes to the incident, newest first, with who made them.

    With a user, entries that name another incident the user may not see are left out.
    """
    changes = incident.changes.select_related("actor")
    if user is not None and not user.is_superuser:
        changes = changes.exclude(
            event__in=NAMING_ANOTHER_INCIDENT,
            target_id__in=Incident.objects.hidden_from(user).values("pk"),
        )
    return changes[:limit]
