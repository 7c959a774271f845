"""E-mail about webhooks; one function per kind, each with subject, text and HTML templates."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from incidents.emails import absolute
from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)


def send_endpoint_disabled(*, endpoint: WebhookEndpoint) -> bool:
    """Email the team's manager that the endpoint was disabled; False when there is none."""
    manager = endpoint.team.manager
    if manager is None or not manager.email:
        logger.warning("endpoint %s was disabled but its team has no manager to tell", endpoint.pk)
        return False
    context = {
        "endpoint": endpoint,
        "recipient": manager,
        "days": settings.WEBHOOK_DISABLE_AFTER_DAYS,
        "endpoint_url": absolute(endpoint.get_absolute_url()),
        "site_url": settings.SITE_URL,
    }
    name = "webhook_disabled"
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}.txt", context),
        to=[manager.email],
        headers={"X-Postmortems-Webhook-Endpoint": str(endpoint.pk)},
    )
    message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    message.send()
    return True
