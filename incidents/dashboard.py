"""The managers' dashboard: every figure is an aggregate computed in the database.

The figures are kept for a short while in the shared cache (cached_dashboard), under keys
that carry the generation of recorded changes (core.dashboard_cache).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from core.dashboard_cache import generation
from incidents.models import ActionItem, Cause, Incident, OpenItemCount, Service, Team, User

logger = logging.getLogger(__name__)

OPEN = Q(status__in=ActionItem.OPEN_STATUSES)
WEEKS = 12
MONTHS = 12


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), output_field=FloatField(), **extra)


@dataclass
class DashboardScope:
    team: Team | None = None
    service: Service | None = None
    start: date | None = None
    end: date | None = None
    user: User | None = None  # counts only what this user may see; None counts everything

    def incidents(self) -> QuerySet:
        incidents = Incident.objects.all()
        if self.user is not None:
            incidents = incidents.visible_to(self.user)
        if self.team:
            incidents = incidents.filter(team=self.team)
        if self.service:
            incidents = incidents.filter(services=self.service)
        return incidents.started_between(self.start, self.end)

    def action_items(self) -> QuerySet:
        if not (self.team or self.service or self.start or self.end):
            items = ActionItem.objects.all()
            return items.visible_to(self.user) if self.user is not None else items
        return ActionItem.objects.filter(incident__in=self.incidents().values("pk"))


def open_and_overdue_by_team(items: QuerySet, today: date) -> list[dict]:
    rows = (
        items.order_by()
        .values("incident__team__name")
        .annotate(
            open=Count("pk", filter=OPEN), overdue=Count("pk", filter=OPEN & Q(due_date__lt=today))
        )
        .filter(open__gt=0)
        .order_by("-overdue", "-open", "incident__team__name")
    )
    return [
        {
            "label": r["incident__team__name"] or "No team",
            "open": r["open"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]


def open_and_overdue_by_owner(items: QuerySet, today: date, limit: int = 15) -> list[dict]:
    rows = (
        items.order_by()
        .values("owner__username", "owner__first_name", "owner__last_name")
        .annotate(
            open=Count("pk", filter=OPEN), overdue=Count("pk", filter=OPEN & Q(due_date__lt=today))
        )
        .filter(open__gt=0)
        .order_by("-overdue", "-open", "owner__username")[:limit]
    )
    return [
        {
            "label": " ".join(filter(None, [r["owner__first_name"], r["owner__last_name"]]))
            or r["owner__username"]
            or "Unassigned",
            "open": r["open"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]


def _counts_apply(scope: "DashboardScope") -> bool:
    # The counts are of everything: a team, a service or a span of start dates needs the
    # items (a team's are few).
    return not (scope.team or scope.service or scope.start or scope.end)


def _private_incidents(scope: "DashboardScope") -> QuerySet:
    """Return the private incidents the scope's viewer may see (all without one)."""
    incidents = Incident.objects.filter(is_private=True)
    return incidents.visible_to(scope.user) if scope.user is not None else incidents


TEAM_FIELDS = ["team_id", "team__name"]
OWNER_FIELDS = ["owner_id", "owner__username", "owner__first_name", "owner__last_name"]


def _tally(items: QuerySet, today: date) -> list[tuple]:
    """Return (team id and name, owner id and names, items, overdue) groups of the items."""
    fields = [f"incident__{name}" for name in TEAM_FIELDS] + OWNER_FIELDS
    counted = items.order_by().values(*fields)
    counted = counted.annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return [
        (tuple(row[:2]), tuple(row[2:6]), *row[6:])
        for row in counted.values_list(*fields, "n", "overdue")
    ]


def _open_counts(scope: "DashboardScope", today: date) -> tuple[dict, dict]:
    """Return {team: [open, overdue]} and {owner: [open, overdue]}, each key the id and names.

    Read from OpenItemCount, with the items that fell due between its as_of and today moved
    in or out of overdue, and the open items of the private incidents the viewer may see
    added; those two counted from the items themselves (a few of them).
    """
    teams: dict = {}
    owners: dict = {}

    def add(counts: dict, who: tuple, n_open: int, n_overdue: int) -> None:
        entry = counts.setdefault(who, [0, 0])
        entry[0] += n_open
        entry[1] += n_overdue

    fields = ["per", "as_of", *TEAM_FIELDS, *OWNER_FIELDS]
    stored = OpenItemCount.objects.order_by().values(*fields)
    as_of = None  # the same on every row (dashboard_counts)
    for per, day, *who, n_open, n_overdue in stored.annotate(
        n=Sum("open_items"), overdue=Sum("overdue_items")
    ).values_list(*fields, "n", "overdue"):
        as_of = day
        if per == OpenItemCount.Per.TEAM:
            add(teams, tuple(who[:2]), n_open, n_overdue)
        else:
            add(owners, tuple(who[2:]), n_open, n_overdue)
    if as_of and as_of != today:
        first, last = sorted([as_of, today])
        sign = 1 if today > as_of else -1
        fell_due = ActionItem.objects.filter(
            OPEN, incident__is_private=False, due_date__gte=first, due_date__lt=last
        )
        for team, owner, n, _ in _tally(fell_due, today):
            add(teams, team, 0, sign * n)
            add(owners, owner, 0, sign * n)
    private = ActionItem.objects.filter(OPEN, incident__in=_private_incidents(scope).values("pk"))
    for team, owner, n_open, n_overdue in _tally(private, today):
        add(teams, team, n_open, n_overdue)
        add(owners, owner, n_open, n_overdue)

    def shown(counts: dict) -> dict:
        return {who: entry for who, entry in counts.items() if entry[0] > 0}

    return shown(teams), shown(owners)


def _ranked(counts: dict) -> list:
    # As the database ordered them: most overdue, most open, then by name (the first named
    # field), none last.
    return sorted(
        counts.items(),
        key=lambda row: (-row[1][1], -row[1][0], row[0][1] is None, row[0][1] or ""),
    )


def counted_open_and_overdue(scope: "DashboardScope", today: date, limit: int = 15):
    """Return open_and_overdue_by_team and _by_owner of all items, read from OpenItemCount."""
    teams, owners = _open_counts(scope, today)
    by_team = [
        {"label": name or "No team", "open": n_open, "overdue": n_overdue}
        for (_pk, name), (n_open, n_overdue) in _ranked(teams)
    ]
    by_owner = [
        {
            "label": " ".join(filter(None, [first, last])) or username or "Unassigned",
            "open": n_open,
            "overdue": n_overdue,
        }
        for (_pk, username, first, last), (n_open, n_overdue) in _ranked(owners)[:limit]
    ]
    return by_team, by_owner


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def opened_and_closed_per_week(items: QuerySet, today: date) -> list[dict]:
    first = _week_start(today) - timedelta(weeks=WEEKS - 1)
    since = timezone.make_aware(datetime.combine(first, time()))
    opened = dict(
        items.filter(created_at__gte=since).order_by()
        .annotate(week=TruncWeek("created_at")).values("week")
        .annotate(n=Count("pk")).values_list("week", "n")
    )  # fmt: skip
    closed = dict(
        items.filter(completed_at__gte=since).order_by()
        .annotate(week=TruncWeek("completed_at")).values("week")
        .annotate(n=Count("pk")).values_list("week", "n")
    )  # fmt: skip

    def by_day(counts: dict) -> dict[date, int]:
        return {(k.date() if isinstance(k, datetime) else k): v for k, v in counts.items()}

    opened, closed = by_day(opened), by_day(closed)
    weeks = [first + timedelta(weeks=n) for n in range(WEEKS)]
    return [
        {"label": f"{week:%d %b}", "opened": opened.get(week, 0), "closed": closed.get(week, 0)}
        for week in weeks
    ]


def _months(today: date) -> list[date]:
    months, month = [], today.replace(day=1)
    for _ in range(MONTHS):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


def _month_key(value) -> date:
    return (value.date() if isinstance(value, datetime) else value).replace(day=1)


def incidents_per_month_by_severity(incidents: QuerySet, today: date) -> list[dict]:
    months = _months(today)
    since = timezone.make_aware(datetime.combine(months[0], time()))
    counts: dict[date, dict[str, int]] = {
        m: dict.fromkeys(Incident.Severity.values, 0) for m in months
    }
    rows = (
        incidents.filter(started_at__gte=since).order_by()
        .annotate(month=TruncMonth("started_at")).values("month", "severity")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    for row in rows:
        month = _month_key(row["month"])
        if month in counts:
            counts[month][row["severity"]] = row["n"]
    return [
        {"label": f"{m:%b %Y}", "month": m, **counts[m], "total": sum(counts[m].values())}
        for m in months
    ]


MEASURES = {
    "detect": ("detected_at", "Time to detect"),
    "mitigate": ("mitigated_at", "Time to mitigate"),
    "resolve": ("resolved_at", "Time to resolve"),
}


def response_times_per_month(incidents: QuerySet, today: date) -> list[dict]:
    """Median and 90th percentile, in minutes, of time to detect, mitigate and resolve."""
    months = _months(today)
    since = timezone.make_aware(datetime.combine(months[0], time()))
    scoped = (
        incidents.filter(started_at__gte=since).order_by().annotate(month=TruncMonth("started_at"))
    )
    result = {m: {"label": f"{m:%b %Y}", "incidents": 0} for m in months}
    if connection.vendor == "postgresql":
        aggregates = {"incidents": Count("pk")}
        for key, (field_name, _) in MEASURES.items():
            seconds = ExpressionWrapper(
                (F(field_name) - F("started_at")), output_field=DurationField()
            )
            epoch = _EpochSeconds(seconds)
            aggregates[f"{key}_median"] = PercentileCont(
                epoch, 0.5, filter=Q(**{f"{field_name}__isnull": False})
            )
            aggregates[f"{key}_p90"] = PercentileCont(
                epoch, 0.9, filter=Q(**{f"{field_name}__isnull": False})
            )
        for row in scoped.values("month").annotate(**aggregates):
            entry = result.get(_month_key(row["month"]))
            if entry is None:
                continue
            entry["incidents"] = row["incidents"]
            for key in MEASURES:
                for stat in ("median", "p90"):
                    value = row[f"{key}_{stat}"]
                    entry[f"{key}_{stat}"] = round(value / 60) if value is not None else None
    else:
        # SQLite has no percentile aggregate: compute from the durations, one query.
        samples: dict[date, dict[str, list[float]]] = {}
        fields = ["month", "started_at", *(f for f, _ in MEASURES.values())]
        for row in scoped.values(*fields):
            bucket = samples.setdefault(_month_key(row["month"]), {k: [] for k in MEASURES})
            for key, (field_name, _) in MEASURES.items():
                if row[field_name]:
                    bucket[key].append((row[field_name] - row["started_at"]).total_seconds())
            result.setdefault(_month_key(row["month"]), {"incidents": 0})["incidents"] += 1
        for month, bucket in samples.items():
            if month not in result:
                continue
            for key, values in bucket.items():
                result[month][f"{key}_median"] = _percentile(values, 0.5)
                result[month][f"{key}_p90"] = _percentile(values, 0.9)
    for entry in result.values():
        for key in MEASURES:
            entry.setdefault(f"{key}_median", None)
            entry.setdefault(f"{key}_p90", None)
    return [result[m] for m in months]


def _percentile(values: list[float], fraction: float) -> int | None:
    """Return the percentile with linear interpolation, as PostgreSQL's percentile_cont does."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    value = ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
    return round(value / 60)


class _EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def oldest_overdue(items: QuerySet, today: date, limit: int = 10) -> list[tuple[ActionItem, int]]:
    overdue = (
        items.overdue(today).select_related("incident", "owner").order_by("due_date", "pk")[:limit]
    )
    return [(item, item.days_overdue(today)) for item in overdue]


def _months_since_first_incident(severity: list[dict], response: list[dict]):
    """Drop the leading months without any incident from both monthly series."""
    first = next((i for i, row in enumerate(severity) if row["total"]), len(severity))
    return severity[first:], response[first:]


def dashboard(scope: DashboardScope, today: date, *, from_counts: bool = True) -> dict:
    """Return the dashboard's figures; from_counts=False counts the open items from the items
    themselves, as OpenItemCount should give them."""
    items, incidents = scope.action_items(), scope.incidents()
    monthly_severity, response_times = _months_since_first_incident(
        incidents_per_month_by_severity(incidents, today),
        response_times_per_month(incidents, today),
    )
    if from_counts and _counts_apply(scope):
        by_team, by_owner = counted_open_and_overdue(scope, today)
    else:
        by_team = open_and_overdue_by_team(items, today)
        by_owner = open_and_overdue_by_owner(items, today)
    return {
        "by_team": by_team,
        "by_owner": by_owner,
        "weekly": opened_and_closed_per_week(items, today),
        "monthly_severity": monthly_severity,
        "response_times": response_times,
        "oldest_overdue": oldest_overdue(items, today),
        "root_causes_without_action": Cause.objects.filter(incident__in=incidents.values("pk"))
        .without_corrective_action()
        .count(),
    }


def _key(scope: DashboardScope, today: date) -> str:
    parts = [
        f"g{generation()}",
        today.isoformat(),
        f"t{scope.team.pk if scope.team else ''}",
        f"s{scope.service.pk if scope.service else ''}",
        f"f{scope.start or ''}",
        f"e{scope.end or ''}",
    ]
    # What a viewer may see differs only when some incident is private: then each viewer
    # has figures of their own.
    if scope.user is not None and Incident.objects.filter(is_private=True).exists():
        parts.append(f"u{scope.user.pk}")
    return "dashboard:" + ":".join(parts)


def cached_dashboard(scope: DashboardScope, today: date) -> dict:
    """Return dashboard(scope, today), from the cache when a fresh copy is there."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return dashboard(scope, today)
    try:
        key = _key(scope, today)
        data = cache.get(key)
    except Exception:  # the cache is down: the page still works, only slower
        logger.warning("dashboard cache unavailable", exc_info=True)
        return dashboard(scope, today)
    if data is None:
        data = dashboard(scope, today)
        try:
            cache.set(key, data, timeout=seconds)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return data
