"""Keep the dashboard's open-item counts (OpenItemCount) in step with the action items.

The dashboard_counts consumer (incidents.handlers) counts again, after commit, the rows of
the teams and owners a batch of events touched: each incident's team (and the one it had
before a move), the old and new owners of changed items and the owners of the incidents'
items (a privacy change moves them all). A deleted item's owner is not in its event, so a
batch with a deletion counts every owner again. Counting from the rows rather than adding
and subtracting makes running twice, or late, harmless. Writes that record no event (the
admin, a shell) are caught up by the daily rebuild (beat) or `manage.py
rebuild_dashboard_counts`, which also moves every row's `as_of` to today.
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import ActionItem, OpenItemCount

LOCK_KEY = 7002_0001  # a pg_advisory_xact_lock key of its own (core.events uses 7001 << 32)
# What may change how many open items of a public incident a team or owner has: an item's
# status, owner or due date, the item itself, or the incident's team or privacy.
EVENTS = [
    "incident.created",
    "incident.updated",
    "action_item.created",
    "action_item.updated",
    "action_item.status_changed",
    "action_item.deleted",
]
OPEN_PUBLIC = Q(status__in=ActionItem.OPEN_STATUSES, incident__is_private=False)
PATHS = {OpenItemCount.Per.TEAM: "incident__team_id", OpenItemCount.Per.OWNER: "owner_id"}


def _counted(items: QuerySet, per: str, as_of: date) -> list[OpenItemCount]:
    """Return the rows counting the open items of public incidents among `items`."""
    path = PATHS[per]
    rows = (
        items.filter(OPEN_PUBLIC)
        .order_by()
        .values(path)
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=as_of)))
    )
    return [
        OpenItemCount(
            per=per,
            team_id=row[path] if per == OpenItemCount.Per.TEAM else None,
            owner_id=row[path] if per == OpenItemCount.Per.OWNER else None,
            open_items=row["n"],
            overdue_items=row["overdue"],
            as_of=as_of,
        )
        for row in rows
    ]


def _lock() -> None:
    # One writer at a time: a recount interleaved with a rebuild would insert a row twice
    # (each deletes what it sees, then inserts). Held until commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _of(ids: set, field: str) -> Q:
    condition = Q(**{f"{field}__in": [pk for pk in ids if pk is not None]})
    return condition | Q(**{f"{field}__isnull": True}) if None in ids else condition


def counts_as_of() -> date | None:
    """Return the day the rows count overdue items on (the same for all), None if none."""
    return OpenItemCount.objects.values_list("as_of", flat=True).first()


@transaction.atomic
def recount(*, teams: Iterable[int | None] = (), owners: Iterable[int | None] | None = ()):
    """Count again the rows of the given teams and owners (None: without one; owners=None:
    every owner)."""
    _lock()
    as_of = counts_as_of() or timezone.localdate()
    teams = set(teams)
    if teams:
        OpenItemCount.objects.filter(_of(teams, "team"), per=OpenItemCount.Per.TEAM).delete()
        items = ActionItem.objects.filter(_of(teams, "incident__team"))
        OpenItemCount.objects.bulk_create(_counted(items, OpenItemCount.Per.TEAM, as_of))
    if owners is None:
        OpenItemCount.objects.filter(per=OpenItemCount.Per.OWNER).delete()
        items = ActionItem.objects.all()
    elif owners := set(owners):
        OpenItemCount.objects.filter(_of(owners, "owner"), per=OpenItemCount.Per.OWNER).delete()
        items = ActionItem.objects.filter(_of(owners, "owner"))
    else:
        return
    OpenItemCount.objects.bulk_create(_counted(items, OpenItemCount.Per.OWNER, as_of))


@transaction.atomic
def rebuild(today: date | None = None) -> int:
    """Count every row again from scratch, overdue as of today; return how many rows."""
    _lock()
    today = today or timezone.localdate()
    OpenItemCount.objects.all().delete()
    items = ActionItem.objects.all()
    rows = _counted(items, OpenItemCount.Per.TEAM, today)
    rows += _counted(items, OpenItemCount.Per.OWNER, today)
    return len(OpenItemCount.objects.bulk_create(rows))


def touched(records: list[ChangeRecord]) -> tuple[set, set | None]:
    """Return the teams and owners (None: every owner) whose rows the events may change."""
    teams: set[int | None] = set()
    owners: set[int | None] | None = set()
    incidents = set()
    for record in records:
        teams.add(record.incident.team_id)
        incidents.add(record.incident_id)
        if record.event == "incident.updated" and "team" in record.values:
            teams.add(record.values["team"][0])
        if record.event == "action_item.deleted":
            owners = None
        elif owners is not None and "owner" in record.values:
            owners.update(record.values["owner"])
    if owners is not None:
        items = ActionItem.objects.filter(incident_id__in=incidents)
        owners.update(items.order_by().values_list("owner_id", flat=True).distinct())
    return teams, owners
