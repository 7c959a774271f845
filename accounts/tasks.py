"""Celery tasks of sign-in: thin wrappers that take ids and call accounts.sending."""

from celery import Task, shared_task
from django.db import transaction

from accounts import sending
from accounts.models import UnlockLinkEmail
from core import deliveries


def nudge_unlock_links(email_ids: list[int]) -> None:
    """Enqueue one send task per unlock-link row."""
    for email_id in email_ids:
        deliver_unlock_link.delay(email_id=email_id)


def nudge_unlock_links_after_commit(email_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows nor fail the sign-in page; recovery
    # nudges them later.
    if email_ids:
        transaction.on_commit(lambda: nudge_unlock_links(email_ids), robust=True)


# The row's attempts, not Celery's retry count, decide when to give up, as for reminders.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver_unlock_link(self: Task, *, email_id: int) -> None:
    """Claim one unlock-link e-mail and send it; retry SMTP trouble with backoff."""
    email = sending.claim(email_id)
    if email is None:
        return
    try:
        sending.send_claimed(email)
    except deliveries.TRANSIENT_MAIL_ERRORS as error:
        failed = deliveries.retry_mail_or_fail(email, error)
        # The row is pending with its retry time: the next try is enqueued here, and
        # recovery nudges it should that message be lost.
        deliveries.try_again_later(self, failed.retry_in, email_id=email_id)


def register_owed_kinds() -> None:
    """Let recovery and the health check see unlock-link e-mails."""
    deliveries.register_owed_rows("unlock_link", UnlockLinkEmail, nudge_unlock_links)
