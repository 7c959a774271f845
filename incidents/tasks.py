"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_assignment_notice(*, action_item_id: int, recipient_id: int) -> None:
    """Email the new owner of an action item. Implemented by the reminders work (issue 6)."""
    from incidents import reminders

    reminders.deliver_assignment_notice(action_item_id=action_item_id, recipient_id=recipient_id)
