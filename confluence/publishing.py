"""Make or update one postmortem's Confluence page, or withdraw it: claim, call, record.

The row (ConfluenceDelivery) is written before any call. The page's id is kept on
ConfluencePage, so a republication updates the same page with the next version number.
When no id is known yet, the space is asked for a page of the same title first: a try
whose create went through but whose answer was lost finds its page and updates it rather
than making a second one. Transient failures (Confluence down, a rate limit) are handed
back with backoff, or after Confluence's Retry-After; others fail at once, and the
connection's page shows Confluence's reason.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confluence import storage
from confluence.client import ConfluenceClient, ConfluenceError, PageGone, RemotePage
from confluence.models import ConfluenceConnection, ConfluenceDelivery, ConfluencePage
from core import deliveries
from core.models import Delivery
from incidents.models import Incident
from incidents.selectors import incident_for_document
from postmortems.collaboration.versions import latest_number

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    retry_in: int | None = None


def deliver(delivery_id: int) -> Outcome:
    """Claim one owed delivery and try it once; return when to try again, if ever."""
    row = deliveries.claim(ConfluenceDelivery, delivery_id)
    if row is None:
        return Outcome()
    try:
        if row.action == ConfluenceDelivery.Action.WITHDRAW:
            _withdraw(row)
        else:
            _publish(row)
    except ConfluenceError as error:
        return _failed(row, error)
    return Outcome()


def _publish(row: ConfluenceDelivery) -> None:
    incident = incident_for_document(None).filter(postmortem__pk=row.postmortem_id).first()
    postmortem = incident.postmortem if incident else None
    if postmortem is None or not postmortem.is_published or incident.is_private:
        # Reopened since, or private: a private incident's postmortem never goes out.
        deliveries.finish(row, Delivery.Status.SKIPPED)
        return
    if not deliveries.renew_claim(row):
        return  # another worker took the row over and publishes
    connection = row.connection
    client = ConfluenceClient(connection)
    title, body = storage.page_title(incident), storage.page_body(incident)
    number = latest_number(postmortem)
    message = f"Version {number} of the postmortem, published in Postmortems"
    page = ConfluencePage.objects.filter(postmortem=postmortem).first()
    remote = None
    if page is not None and page.is_live:
        try:
            remote = client.update_page(page.page_id, title=title, body=body, message=message)
        except PageGone:
            logger.info("Confluence page %s of %s is gone; making it again", page.page_id, incident)
    if remote is None:
        remote = _find_or_create(client, connection, title=title, body=body, message=message)
    with transaction.atomic():
        ConfluencePage.objects.update_or_create(
            postmortem=postmortem,
            defaults={
                "connection": connection, "page_id": remote.id, "title": remote.title or title,
                "page_version": remote.version, "published_version": number,
                "url": remote.url, "published_at": timezone.now(), "withdrawn_at": None,
            },
        )  # fmt: skip
        if deliveries.finish(row, Delivery.Status.SENT):
            _clear_error(connection)
    if Incident.objects.filter(pk=incident.pk, is_private=True).exists():
        # Made private while the page was being written: take it back down. (Imported
        # here: services nudges the tasks that call this module.)
        from confluence.services import withdraw_request

        withdraw_request(postmortem=postmortem)


def _space_id(client: ConfluenceClient, connection: ConfluenceConnection) -> str:
    if not connection.space_id:
        connection.space_id = client.space_id()
        ConfluenceConnection.objects.filter(pk=connection.pk).update(space_id=connection.space_id)
    return connection.space_id


def _find_or_create(
    client: ConfluenceClient, connection: ConfluenceConnection, *, title: str, body: str,
    message: str,
) -> RemotePage:  # fmt: skip
    """Return the page made for the postmortem: found by its title (made by an earlier try
    whose answer was lost) and updated, or made now under the parent page."""
    space_id = _space_id(client, connection)
    found = client.find_page(space_id=space_id, title=title)
    if found is not None:
        if found.parent_id and found.parent_id != connection.parent_page_id:
            raise ConfluenceError(
                f"A page titled “{title}” already exists in the space {connection.space_key}, "
                f"not under the parent page: rename, move or delete it ({found.url or found.id}),"
                " then publish again."
            )
        logger.info("Confluence page %s found by its title; updating it", found.id)
        return client.update_page(found.id, title=title, body=body, message=message)
    return client.create_page(
        space_id=space_id, parent_id=connection.parent_page_id, title=title, body=body
    )


def _withdraw(row: ConfluenceDelivery) -> None:
    page = ConfluencePage.objects.filter(postmortem_id=row.postmortem_id).first()
    if page is None or not page.is_live:
        deliveries.finish(row, Delivery.Status.SKIPPED)
        return
    if not deliveries.renew_claim(row):
        return
    ConfluenceClient(row.connection).delete_page(page.page_id)
    with transaction.atomic():
        ConfluencePage.objects.filter(pk=page.pk).update(
            page_id="", url="", withdrawn_at=timezone.now()
        )
        deliveries.finish(row, Delivery.Status.SENT)


def _clear_error(connection: ConfluenceConnection) -> None:
    ConfluenceConnection.objects.filter(pk=connection.pk).exclude(last_error="").update(
        last_error=""
    )


def _failed(row: ConfluenceDelivery, error: ConfluenceError) -> Outcome:
    """Hand the row back when Confluence may answer later, else fail it; show the reason."""
    reason = str(error)[:500]
    ConfluenceDelivery.objects.filter(
        pk=row.pk, status=Delivery.Status.SENDING, claim_token=row.claim_token
    ).update(reason=reason)
    failed = deliveries.retry_or_fail(
        row,
        error,
        may_retry=error.transient and row.attempts < settings.CONFLUENCE_MAX_ATTEMPTS,
        retry_in=error.retry_after,
        max_wait=24 * 3600,
    )
    if failed.retry_in is not None or failed.failed:
        ConfluenceConnection.objects.filter(pk=row.connection_id).update(
            last_error=reason, last_error_at=timezone.now()
        )
    return Outcome(retry_in=failed.retry_in)
