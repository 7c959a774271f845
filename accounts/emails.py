"""One function per email kind; each renders subject, plain text and HTML templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.models import User


def send_unlock_link(*, user: User, token: str) -> None:
    """Send the owner of a locked account a link that unlocks it."""
    context = {
        "recipient": user,
        "unlock_url": f"{settings.SITE_URL}{reverse('accounts:unlock_confirm', args=[token])}",
        "valid_minutes": settings.ACCOUNT_UNLOCK_LINK_MINUTES,
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("emails/account_unlock.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/account_unlock.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("emails/account_unlock.html", context), "text/html")
    message.send()
