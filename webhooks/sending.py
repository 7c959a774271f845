"""Send one owed webhook: check where it goes, sign it, POST it, log the try.

The host is checked and the connection pinned to the checked address by core.outgoing,
the guard every outgoing call to a user's address goes through: endpoints on private
addresses are refused unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES. Redirects are not followed.
"""

import http.client
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from core import deliveries, outgoing
from core.models import Delivery
from core.outgoing import RefusedURL
from webhooks.models import (
    EndpointDisabledEmail,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 1024
USER_AGENT = "postmortems-webhooks/1"


def resolve(url: str) -> tuple[SplitResult, list[str]]:
    """Return the URL's parts and its checked addresses; raise RefusedURL or OSError."""
    return outgoing.resolve(
        url,
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
        refusal="webhooks are only sent to public addresses.",
    )


@dataclass
class Response:
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        return self.error or f"HTTP {self.status_code}: {self.excerpt[:200]}"


def signed_request(delivery: WebhookDelivery, secret: str) -> tuple[bytes, dict[str, str]]:
    """Return the body and the Standard Webhooks headers of one try of a delivery."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    # Signed with a whole second: the spec's timestamp header carries whole seconds.
    at = datetime.fromtimestamp(int(time.time()), UTC)
    signature = Webhook(secret).sign(msg_id=delivery.webhook_id, timestamp=at, data=body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST body to url through a checked address; never raise for the endpoint's faults."""
    started = time.monotonic()
    response = Response()
    try:
        parts, addresses = resolve(url)
    except RefusedURL as error:
        response.error, response.refused = str(error), True
        return response
    except OSError as error:
        response.error = f"{parts_host(url)} does not resolve: {error}"
        return response
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    headers = {**headers, "Host": parts.netloc.rpartition("@")[2]}
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    last_error: Exception | None = None
    for address in addresses:
        conn = outgoing.pinned_connection(parts, address, timeout=timeout)
        try:
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            response.status_code = answer.status
            response.excerpt = answer.read(EXCERPT_BYTES).decode("utf-8", "replace")
            last_error = None
            break
        except (OSError, http.client.HTTPException) as error:
            last_error = error
            # Only a failed connect moves on to the next address; once the request may have
            # reached the endpoint, trying another address would send it twice.
            if getattr(conn, "sock", None) is not None:
                break
        finally:
            conn.close()
    if last_error is not None:
        response.error = f"{type(last_error).__name__}: {last_error}"[:2000]
    response.duration_ms = int((time.monotonic() - started) * 1000)
    return response


def parts_host(url: str) -> str:
    return urlsplit(url).hostname or url


@dataclass
class Outcome:
    """What a try came to: when to try again, and the e-mail owed if it disabled the endpoint."""

    retry_in: int | None = None
    disabled_email_id: int | None = None


def retry_delay(attempts: int) -> int:
    """Return the seconds before try number attempts + 1: 30 s, 1 min, 2 min … up to an hour.

    A receiver that is down for a day is tried about 30 times per delivery, not 150.
    """
    first = settings.WEBHOOK_RETRY_FIRST_SECONDS
    return min(first * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_BACKOFF_MAX)


class DeliveryError(Exception):
    pass


def deliver(delivery_id: int) -> Outcome:
    """Claim a delivery and try it once; log the try, and finish, hand back or fail it.

    A failed try is handed back after retry_delay(attempts) until WEBHOOK_RETRY_HOURS after
    the row was made, then the row is failed. Every failure counts towards disabling the
    endpoint.
    """
    delivery = deliveries.claim(WebhookDelivery, delivery_id)
    if delivery is None:
        return Outcome()
    endpoint = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).first()
    if endpoint is None:
        return Outcome()  # deleted since, with its deliveries
    if not endpoint.is_active:
        deliveries.finish(delivery, Delivery.Status.SKIPPED)
        return Outcome()
    body, headers = signed_request(delivery, endpoint.secret)
    if not deliveries.renew_claim(delivery):
        return Outcome()  # another worker took it over and sends it
    response = post(endpoint.url, body, headers)
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        duration_ms=response.duration_ms,
        status_code=response.status_code,
        response_excerpt=response.excerpt,
        error=response.error,
    )
    if response.ok:
        deliveries.finish(delivery, Delivery.Status.SENT)
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None, consecutive_failures=0
        )
        return Outcome()
    disabled_email_id = _note_failure(endpoint, now)
    outcome = Outcome(disabled_email_id=disabled_email_id)
    error = DeliveryError(response.describe())
    give_up_at = delivery.created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    disabled = not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).exists()
    give_up = response.refused or now >= give_up_at or disabled
    left = int((give_up_at - now).total_seconds()) + 1
    outcome.retry_in = deliveries.retry_or_fail(
        delivery,
        error,
        may_retry=not give_up,
        retry_in=retry_delay(delivery.attempts),
        max_wait=left,
    ).retry_in
    return outcome


@transaction.atomic
def _note_failure(endpoint: WebhookEndpoint, now: datetime) -> int | None:
    """Count a failed try; disable the endpoint once it failed long and often enough.

    Return the id of the e-mail owed to the team's manager when this call disabled the
    endpoint (only one caller ever does), written in the same transaction as the disabling.
    """
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    hours = settings.WEBHOOK_DISABLE_AFTER_HOURS
    tries = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        is_active=True,
        failing_since__lte=now - timedelta(hours=hours),
        consecutive_failures__gte=tries,
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"Every try failed for {hours} hours, {tries} or more in a row.",
    )
    if not disabled:
        return None
    logger.error("webhook endpoint %s disabled after %d hours of failures", endpoint.pk, hours)
    manager = WebhookEndpoint.objects.select_related("team__manager").get(pk=endpoint.pk)
    manager = manager.team.manager
    if manager is None or not manager.email:
        logger.warning("endpoint %s was disabled but its team has no manager to tell", endpoint.pk)
        return None
    return EndpointDisabledEmail.objects.create(endpoint_id=endpoint.pk, recipient=manager).pk
