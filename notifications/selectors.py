"""Reads of notifications: the inbox and its unread count."""

from django.db.models import QuerySet

from incidents.models import User, rows_visible_to
from notifications.models import Notification


def inbox(user: User, *, unread_only: bool = False) -> QuerySet:
    """Return the user's inbox with who did it and where, leaving out hidden incidents."""
    rows = Notification.objects.inbox_of(user)
    if unread_only:
        rows = rows.unread()
    # An incident made private since stays out of the inbox of those who may not see it.
    return rows_visible_to(rows, user, incident="incident__").select_related("actor", "incident")


def unread_count(user: User) -> int:
    return rows_visible_to(
        Notification.objects.inbox_of(user).unread(), user, incident="incident__"
    ).count()
