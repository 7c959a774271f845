"""The notification e-mail: what happened since the last one, with links to each place."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.emails import absolute, signed_user_token, user_for_signed_token
from incidents.models import User
from notifications.models import Notification, NotificationEmail

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user: User) -> str:
    """Return a signed token naming the user; it turns their notification e-mails off."""
    return signed_user_token(user, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str) -> User | None:
    return user_for_signed_token(token, salt=UNSUBSCRIBE_SALT)


def message_id(email: NotificationEmail) -> str:
    """Return a Message-ID fixed by the row alone, the same on every try."""
    host = urlsplit(settings.SITE_URL).hostname or "postmortems"
    return f"<postmortems-notification-{email.pk}@{host}>"


def send_notification_email(
    *, email: NotificationEmail, recipient: User, notifications: list[Notification]
) -> None:
    """E-mail someone the notifications of one digest window (one or many)."""
    unsubscribe_url = absolute(
        reverse("notifications:unsubscribe", args=[unsubscribe_token(recipient)])
    )
    context = {
        "recipient": recipient,
        "rows": [{"n": n, "url": absolute(n.get_absolute_url())} for n in notifications],
        "first": notifications[0],
        "count": len(notifications),
        "incidents": sorted({n.incident.reference for n in notifications}),
        "inbox_url": absolute(reverse("notifications:inbox")),
        "settings_url": absolute(reverse("notifications:preferences")),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = " ".join(render_to_string("emails/notifications.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/notifications.txt", context),
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Same row, same Message-ID: a resend after a crash is recognisably a duplicate.
            "Message-ID": message_id(email),
            "X-Postmortems-Notification-Email": str(email.pk),
        },
    )
    message.attach_alternative(render_to_string("emails/notifications.html", context), "text/html")
    message.send()
