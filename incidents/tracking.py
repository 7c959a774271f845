"""Tracking action items: bulk changes, the CSV export and the calendar feed."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from icalendar import Calendar, Event

from incidents.models import ActionItem, User
from incidents.permissions import can_edit_action_item, can_view_incident
from incidents.services import action_item_update

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class BulkResult:
    changed: list[ActionItem] = field(default_factory=list)
    unchanged: list[ActionItem] = field(default_factory=list)
    refused: list[ActionItem] = field(default_factory=list)
    invalid: list[tuple[ActionItem, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"Changed {len(self.changed)} action item{'s' if len(self.changed) != 1 else ''}"]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} already had that value")
        if self.refused:
            titles = ", ".join(item.title for item in self.refused)
            parts.append(f"refused {len(self.refused)} you may not edit: {titles}")
        for item, reason in self.invalid:
            parts.append(f"could not change {item.title}: {reason}")
        return "; ".join(parts) + "."


def action_items_bulk_change(
    *, items: Iterable[ActionItem], changes: dict, actor: User
) -> BulkResult:
    """Apply one change to each item the actor may edit; report what happened to each."""
    result = BulkResult()
    for item in items:
        if not can_edit_action_item(actor, item):
            result.refused.append(item)
            continue
        if all(getattr(item, name) == value for name, value in changes.items()):
            result.unchanged.append(item)
            continue
        owner = changes.get("owner")
        if owner is not None and not can_view_incident(owner, item.incident):
            reason = f"{owner.get_username()} may not see its private incident"
            result.invalid.append((item, reason))
            continue
        try:
            action_item_update(item=item, actor=actor, data=changes)
        except ValidationError as error:
            result.invalid.append((item, " ".join(error.messages)))
        else:
            result.changed.append(item)
    return result


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = [
    "Incident", "Incident title", "Severity", "Team", "Action item", "Kind", "Priority",
    "Owner", "Owner email", "Due date", "Days overdue", "Status", "Completed at", "Link",
    "Tracker issue", "Tracker state",
]  # fmt: skip


def action_items_csv_rows(items: QuerySet, *, today) -> Iterator[list[str]]:
    """Yield the CSV header and one row per item, safe to open in a spreadsheet."""
    yield CSV_COLUMNS
    for item in items.iterator(chunk_size=2000):
        incident = item.incident
        issue = item.tracker_issue_or_none
        yield [
            _cell(value)
            for value in (
                incident.reference,
                incident.title,
                incident.severity,
                incident.team.name if incident.team else "",
                item.title,
                item.get_kind_display(),
                item.priority,
                item.owner.get_username() if item.owner else "",
                item.owner.email if item.owner else "",
                item.due_date.isoformat() if item.due_date else "",
                item.days_overdue(today),
                item.get_status_display(),
                item.completed_at.isoformat() if item.completed_at else "",
                f"{settings.SITE_URL}{item.get_absolute_url()}",
                issue.key if issue else "",
                issue.get_state_display() if issue else "",
            )
        ]


class Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(Echo())
    return (writer.writerow(row) for row in rows)


def calendar_feed(user: User) -> bytes:
    """Return an iCalendar file of the due dates of the user's open action items.

    Items of a private incident the user may not see are left out, as everywhere else.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//postmortems//action items//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Action items due")
    items = (
        ActionItem.objects.visible_to(user)
        .open()
        .filter(owner=user, due_date__isnull=False)
        .select_related("incident")
        .order_by("due_date")
    )
    for item in items:
        event = Event()
        event.add("uid", f"action-item-{item.pk}@postmortems")
        event.add("dtstamp", item.updated_at)
        event.add("dtstart", item.due_date)
        event.add("summary", f"Due: {item.title} ({item.incident.reference})")
        event.add("description", f"{item.incident.reference} {item.incident.title}")
        event.add("url", f"{settings.SITE_URL}{item.get_absolute_url()}")
        calendar.add_component(event)
    return calendar.to_ical()
