"""E-mail about webhooks; one function per kind, each with subject, text and HTML templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from incidents.emails import absolute
from incidents.models import User
from webhooks.models import WebhookEndpoint


def send_endpoint_disabled(*, endpoint: WebhookEndpoint, recipient: User) -> None:
    """Email the team's manager that the endpoint was disabled; SMTP errors propagate."""
    context = {
        "endpoint": endpoint,
        "recipient": recipient,
        "hours": settings.WEBHOOK_DISABLE_AFTER_HOURS,
        "endpoint_url": absolute(endpoint.get_absolute_url()),
        "site_url": settings.SITE_URL,
    }
    name = "webhook_disabled"
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}.txt", context),
        to=[recipient.email],
        headers={"X-Postmortems-Webhook-Endpoint": str(endpoint.pk)},
    )
    message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    message.send()
