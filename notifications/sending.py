"""Sending one notification e-mail row: claimed first, so it goes out once."""

import logging

from django.utils import timezone

from core import deliveries
from incidents.models import rows_visible_to
from notifications import emails
from notifications.models import Notification, NotificationEmail

logger = logging.getLogger(__name__)


def seconds_until_due(email_id: int) -> int | None:
    """Return how long the row's digest window is still open, or None when it is due."""
    due = (
        NotificationEmail.objects.filter(pk=email_id, status=NotificationEmail.Status.PENDING)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is None:
        return None
    left = (due - timezone.now()).total_seconds()
    return int(left) + 1 if left > 0 else None


def claim(email_id: int) -> NotificationEmail | None:
    return deliveries.claim(NotificationEmail, email_id)


def send_claimed(email: NotificationEmail) -> None:
    """Send a claimed row's notifications and mark it sent; SMTP errors propagate."""
    recipient = email.recipient
    if not recipient.is_active or not recipient.email:
        deliveries.finish(email, NotificationEmail.Status.SKIPPED)
        return
    # Asked again at sending: an incident may have turned private since.
    notifications = list(
        rows_visible_to(Notification.objects.filter(email=email), recipient, incident="incident__")
        .select_related("actor", "incident")
        .order_by("created_at", "pk")
    )
    if not notifications:
        deliveries.finish(email, NotificationEmail.Status.SKIPPED)
        return
    if not deliveries.renew_claim(email):
        return  # the claim went stale and another worker took the row over: it sends
    emails.send_notification_email(email=email, recipient=recipient, notifications=notifications)
    # Straight after the SMTP server's acceptance: a crash between the two is the only way
    # this message can go out twice (with the same Message-ID).
    deliveries.finish(email, NotificationEmail.Status.SENT)
