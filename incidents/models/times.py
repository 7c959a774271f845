"""Times and zones as incidents and people use them: validation, labels, day bounds."""

from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.zones import zone_or_none


def validate_time_zone(value: str) -> None:
    """Reject names that are not in the IANA time zone database."""
    if zone_or_none(value) is None:
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as Europe/Berlin.",
            params={"value": value},
        )


def zone_label(zone_name: str) -> str:
    """Return how people write a zone: 'GMT+2' for Etc/GMT-2, else the IANA name."""
    if zone_name.startswith("Etc/GMT") and len(zone_name) > len("Etc/GMT"):
        offset = zone_name.removeprefix("Etc/GMT")
        # IANA inverts the sign of the Etc/GMT zones.
        return f"GMT{'+' if offset.startswith('-') else '-'}{offset[1:]}"
    if zone_name in {"UTC", "Etc/UTC", "GMT", "Etc/GMT"}:
        return "UTC"
    return zone_name


def duration_text(value: timedelta | None) -> str:
    """Show a timedelta as '4 hours', '1 hour 5 minutes', '2 days 3 hours' or '45 minutes'."""
    if value is None:
        return "—"
    total_minutes = int(value.total_seconds() // 60)
    if total_minutes < 0:
        return "—"
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts) or "0 minutes"


def day_start(day: date) -> datetime:
    """Return the first instant of a day in the current time zone.

    Date filters compare a timestamp column with instants like this one instead of taking
    the column's date, so that the column's index can serve them.
    """
    return timezone.make_aware(datetime.combine(day, time.min))


def _instant_or_none(day: date) -> datetime | None:
    """Return day_start(day), or None when that instant lies beyond what a datetime holds."""
    try:
        return day_start(day).astimezone(UTC)
    except OverflowError:  # 0001-01-01 in Tokyo, or the day after 9999-12-31
        return None


def started_between(start: date | None, end: date | None, *, field: str = "started_at") -> Q:
    """Return a condition for incidents started on or after start and on or before end.

    A bound at the very ends of the calendar excludes nothing, so it is left out.
    """
    condition = Q()
    lower = _instant_or_none(start) if start else None
    if lower:
        condition &= Q(**{f"{field}__gte": lower})
    upper = _instant_or_none(end + timedelta(days=1)) if end and end < date.max else None
    if upper:
        condition &= Q(**{f"{field}__lt": upper})
    return condition
