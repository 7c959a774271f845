"""One function per email kind; each renders subject, plain text and HTML templates."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.models import ActionItem, ReminderDelivery, User

UNSUBSCRIBE_SALT = "incidents.reminders.unsubscribe"


def signed_user_token(user: User, *, salt: str) -> str:
    """Return a signed token naming the user for one purpose (the salt); no login needed."""
    return signing.dumps({"user": user.pk}, salt=salt)


def user_for_signed_token(token: str, *, salt: str) -> User | None:
    """Return the user a token of that purpose names, or None when it was tampered with."""
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=payload.get("user")).first()


def unsubscribe_token(user: User) -> str:
    """Return a signed token naming the user; it turns their reminders off."""
    return signed_user_token(user, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str) -> User | None:
    """Return the user a reminder unsubscribe token names, or None when tampered with."""
    return user_for_signed_token(token, salt=UNSUBSCRIBE_SALT)


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def delivery_message_id(delivery: ReminderDelivery) -> str:
    """Return a Message-ID fixed by the delivery row alone (no time, no randomness)."""
    host = urlsplit(settings.SITE_URL).hostname or "postmortems"
    return f"<postmortems-delivery-{delivery.pk}@{host}>"


def _send(*, name: str, delivery: ReminderDelivery, recipient: User, context: dict) -> None:
    unsubscribe_url = absolute(
        reverse("incidents:unsubscribe", args=[unsubscribe_token(recipient)])
    )
    context = {
        **context,
        "recipient": recipient,
        "site_url": settings.SITE_URL,
        "settings_url": absolute(reverse("incidents:settings")),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}.txt", context),
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same delivery always carries the same Message-ID, so a resend after a
            # worker crash can be recognised as a duplicate by the receiving side.
            "Message-ID": delivery_message_id(delivery),
            "X-Postmortems-Delivery": str(delivery.pk),
        },
    )
    message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    message.send()


def _rows(items: list[ActionItem], today) -> list[dict]:
    return [
        {
            "item": item,
            "incident": item.incident,
            "days_overdue": item.days_overdue(today),
            "url": absolute(item.get_absolute_url()),
        }
        for item in items
    ]


def send_owner_digest(*, delivery: ReminderDelivery, recipient: User, items) -> None:
    """Email an owner the open action items that are overdue or due soon."""
    rows = _rows(items, delivery.for_date)
    _send(
        name="owner_digest",
        delivery=delivery,
        recipient=recipient,
        context={"rows": rows, "overdue_count": sum(1 for r in rows if r["days_overdue"])},
    )


def send_manager_escalation(*, delivery: ReminderDelivery, recipient: User, items) -> None:
    """Email a manager (or commander) the items that are badly overdue."""
    _send(
        name="manager_escalation",
        delivery=delivery,
        recipient=recipient,
        context={
            "rows": _rows(items, delivery.for_date),
            "days": settings.REMINDER_ESCALATE_AFTER_DAYS,
        },
    )


def send_assignment_notice(*, delivery: ReminderDelivery, recipient: User, items) -> None:
    """Email someone that an action item is now theirs."""
    _send(
        name="assignment_notice",
        delivery=delivery,
        recipient=recipient,
        context={"row": _rows(items, delivery.for_date)[0]},
    )
