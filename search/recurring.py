"""The recurring causes report: what keeps happening, and whether the fixes worked.

Five queries whatever the number of incidents; private incidents someone may not see are
left out of every part of it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.models import ActionItem, Cause, Incident, User
from search.models import RecurrenceLink

MONTHS = 12


@dataclass
class CountRow:
    """One cause category or service, with its number of incidents in each month shown."""

    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class FixThatDidNotHold:
    """An action item marked done whose incident happened again afterwards."""

    item: ActionItem
    recurrence: Incident


@dataclass
class Report:
    months: list[date]
    categories: list[CountRow] = field(default_factory=list)
    services: list[CountRow] = field(default_factory=list)
    chains: list[list[Incident]] = field(default_factory=list)
    fixes: list[FixThatDidNotHold] = field(default_factory=list)


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, month + 1, 1))
    return months


def _per_month(rows, months: list[date], label_of) -> list[CountRow]:
    index = {month: n for n, month in enumerate(months)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        if month in index:
            counts[label_of(row)][index[month]] += row["incidents"]
    found = [CountRow(label, values) for label, values in counts.items()]
    return sorted(found, key=lambda row: (-row.total, row.label))


def recurring_report(user: User, today: date | None = None) -> Report:
    """Return cause categories and services per month over the last 12 months, the "same
    root cause" chains, and the done action items whose incident recurred afterwards."""
    months = _months(today or timezone.localdate())
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    visible = Incident.objects.visible_to(user).filter(started_at__gte=start).values("pk")
    report = Report(months=months)
    categories = dict(Cause.Category.choices)
    report.categories = _per_month(
        Cause.objects.filter(incident__in=visible)
        .annotate(month=TruncMonth("incident__started_at"))
        .values("month", "category")
        .annotate(incidents=Count("incident", distinct=True))
        .order_by(),
        months,
        lambda row: categories.get(row["category"], row["category"]),
    )
    report.services = _per_month(
        Incident.services.through.objects.filter(incident__in=visible)
        .annotate(month=TruncMonth("incident__started_at"))
        .values("month", "service__name")
        .annotate(incidents=Count("incident", distinct=True))
        .order_by(),
        months,
        lambda row: row["service__name"],
    )
    report.chains, neighbours = _chains(user)
    report.fixes = _fixes_that_did_not_hold(user, neighbours)
    return report


def _chains(user: User) -> tuple[list[list[Incident]], dict[int, list[Incident]]]:
    """Return the groups of incidents linked as the same root cause, oldest first, and each
    incident's linked incidents (one query)."""
    seen = Incident.objects.visible_to(user).values("pk")
    links = RecurrenceLink.objects.filter(incident__in=seen, same_as__in=seen).select_related(
        "incident", "same_as"
    )
    incidents: dict[int, Incident] = {}
    neighbours: dict[int, list[Incident]] = defaultdict(list)
    for link in links:
        incidents[link.incident_id], incidents[link.same_as_id] = link.incident, link.same_as
        neighbours[link.incident_id].append(link.same_as)
        neighbours[link.same_as_id].append(link.incident)
    chains, placed = [], set()
    for pk in incidents:
        if pk in placed:
            continue
        group, todo = [], [pk]
        while todo:
            current = todo.pop()
            if current in placed:
                continue
            placed.add(current)
            group.append(incidents[current])
            todo.extend(other.pk for other in neighbours[current])
        chains.append(sorted(group, key=lambda incident: (incident.started_at, incident.pk)))
    chains.sort(key=lambda chain: (-len(chain), chain[0].started_at))
    return chains, neighbours


def _fixes_that_did_not_hold(
    user: User, neighbours: dict[int, list[Incident]]
) -> list[FixThatDidNotHold]:
    """Return done items whose incident has a linked incident that started after the item
    was completed (one query)."""
    if not neighbours:
        return []
    items = (
        ActionItem.objects.visible_to(user)
        .filter(
            incident_id__in=list(neighbours),
            status=ActionItem.Status.DONE,
            completed_at__isnull=False,
        )
        .select_related("incident", "owner")
        .order_by("-completed_at", "pk")
    )
    fixes = []
    for item in items:
        later = [
            other for other in neighbours[item.incident_id] if other.started_at > item.completed_at
        ]
        if later:
            first = min(later, key=lambda incident: (incident.started_at, incident.pk))
            fixes.append(FixThatDidNotHold(item, first))
    return fixes
