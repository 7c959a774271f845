"""Send one owed webhook: check where it goes, sign it, POST it, log the try.

Against server-side request forgery and DNS rebinding, the host is resolved once per try,
every address it resolves to must be public (unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES), and
the connection is made to one of those very addresses, with the URL's host name in the
Host header and, for HTTPS, in SNI and the certificate check. So a name that resolves to a
public address for the check and a private one for the connection cannot happen: there is
no second lookup. Redirects are not followed.
"""

import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from core import deliveries
from core.models import Delivery
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 1024
USER_AGENT = "postmortems-webhooks/1"


class RefusedURL(Exception):
    """The URL may not be sent to: not http(s), or a host on a non-public address."""


def is_public_address(address: str) -> bool:
    """Return True for an address on the public internet (not private, loopback, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[SplitResult, list[str]]:
    """Return the URL's parts and the addresses its host resolves to, all of them allowed.

    Raise RefusedURL when the URL is not http(s) or any address is not public (a name that
    resolves to one public and one private address is refused too), and OSError when the
    name does not resolve.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL("Give an http:// or https:// URL with a host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedURL("The port in the URL is not a number from 1 to 65535.") from None
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise RefusedURL(
                f"{parts.hostname} resolves to {refused[0]}, a private, loopback or link-local "
                "address; webhooks are only sent to public addresses."
            )
    return parts, addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address, with SNI and the certificate checked for the host name."""

    def __init__(self, address: str, port: int, *, hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._hostname = hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._hostname)


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
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    headers = {**headers, "Host": parts.netloc.rpartition("@")[2]}
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    last_error: Exception | None = None
    for address in addresses:
        if parts.scheme == "https":
            conn = _PinnedHTTPSConnection(address, port, hostname=parts.hostname, timeout=timeout)
        else:
            conn = http.client.HTTPConnection(address, port, timeout=timeout)
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
    """What a try came to: when to try again, and whether it disabled the endpoint."""

    retry_in: int | None = None
    disabled_endpoint_id: int | None = None


class DeliveryError(Exception):
    pass


def deliver(delivery_id: int) -> Outcome:
    """Claim a delivery and try it once; log the try, and finish, hand back or fail it.

    A failed try is handed back with backoff until WEBHOOK_RETRY_HOURS after the row was
    made, then the row is failed. Every failure counts towards disabling the endpoint.
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
            failing_since=None
        )
        return Outcome()
    outcome = Outcome(disabled_endpoint_id=_note_failure(endpoint, now))
    error = DeliveryError(response.describe())
    give_up_at = delivery.created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    if response.refused or now >= give_up_at or outcome.disabled_endpoint_id:
        deliveries.fail(delivery, error)
        return outcome
    left = int((give_up_at - now).total_seconds()) + 1
    retry_in = max(1, min(deliveries.retry_delay(delivery.attempts), left))
    if deliveries.release(delivery, error, retry_in=retry_in):
        logger.warning(
            "webhook %s to endpoint %s failed (try %d), retrying in %ss: %s",
            delivery.webhook_id,
            endpoint.pk,
            delivery.attempts,
            retry_in,
            error,
        )
        outcome.retry_in = retry_in
    return outcome


def _note_failure(endpoint: WebhookEndpoint, now: datetime) -> int | None:
    """Remember since when the endpoint fails; disable it once that is too long ago.

    Return the endpoint's id when this call disabled it (only one caller ever does).
    """
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    days = settings.WEBHOOK_DISABLE_AFTER_DAYS
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, is_active=True, failing_since__lte=now - timedelta(days=days)
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"Every delivery failed for {days} days.",
    )
    if disabled:
        logger.error("webhook endpoint %s disabled after %d days of failures", endpoint.pk, days)
        return endpoint.pk
    return None
