"""Celery tasks of notifications: thin wrappers that take ids and call sending."""

from celery import Task, shared_task
from django.db import transaction

from core import deliveries
from notifications import sending
from notifications.models import NotificationEmail


def nudge_emails(email_ids: list[int]) -> None:
    """Enqueue one send task per e-mail row, to run when its digest window closes."""
    for email_id in email_ids:
        countdown = sending.seconds_until_due(email_id) or 0
        deliver_notification_email.apply_async(kwargs={"email_id": email_id}, countdown=countdown)


def nudge_emails_after_commit(email_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    if email_ids:
        transaction.on_commit(lambda: nudge_emails(email_ids), robust=True)


# max_retries=None: the row's attempts decide when to give up, as for reminders.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_notification_email(self: Task, *, email_id: int) -> None:
    """Send one notification e-mail once its window closed; retry SMTP trouble with backoff."""
    wait = sending.seconds_until_due(email_id)
    if wait is not None:
        # Nudged early (recovery, a second nudge): come back when the window closes. Run
        # in-process (tests) a countdown is not waited out; recovery nudges it when due.
        if not self.request.is_eager:
            deliver_notification_email.apply_async(kwargs={"email_id": email_id}, countdown=wait)
        return
    email = sending.claim(email_id)
    if email is None:
        return
    try:
        sending.send_claimed(email)
    except deliveries.TRANSIENT_MAIL_ERRORS as error:
        failed = deliveries.retry_mail_or_fail(email, error)
        if failed.retry_in is not None:
            raise self.retry(exc=error, countdown=failed.retry_in) from error


def register_owed_kinds() -> None:
    """Let recovery and the health check see notification e-mails."""
    deliveries.register_owed_rows("notification_email", NotificationEmail, nudge_emails)
