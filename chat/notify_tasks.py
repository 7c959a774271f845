"""Celery task of chat's owed messages: claim one row, post it, end a failed try.

Late acks and reject-on-worker-lost, like every task here: the claim on the row makes
running twice harmless, and recovery (core.deliveries) nudges what the broker lost.
"""

from celery import Task, shared_task
from django.conf import settings

from chat import notify
from chat.errors import ChatError
from chat.models import ChatDelivery
from core import deliveries, events


def nudge_chat(delivery_ids: list[int]) -> None:
    """Enqueue one post task per chat delivery row."""
    for delivery_id in delivery_ids:
        deliver_chat_message.delay(delivery_id=delivery_id)


# max_retries=None: the row's attempts decide when to give up, as for e-mail rows.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_chat_message(self: Task, *, delivery_id: int) -> None:
    """Claim one chat delivery and post it; wait out rate limits, give up on refusals."""
    row = notify.claim(delivery_id)
    if row is None:
        return
    try:
        notify.post_claimed(row)
    except ChatError as error:
        # A rate limit or an outage passes; a revoked token or a channel the bot is not in
        # does not: the row fails with the chat's reason, shown on the connection's page.
        failed = deliveries.retry_or_fail(
            row, notify.ChatRefused(str(error)),
            may_retry=error.transient and row.attempts <= settings.DELIVERY_MAX_RETRIES,
            retry_in=error.retry_after, max_wait=settings.DELIVERY_RETRY_BACKOFF_MAX,
        )  # fmt: skip
        deliveries.try_again_later(deliver_chat_message, failed.retry_in, delivery_id=delivery_id)


TEAM_NEWS = "chat_team_news"


def register() -> None:
    """Lend chat to the apps below: reminders, notifications, events, and recovery."""
    from incidents import reminders
    from notifications import services

    reminders.register_channel(
        reminders.ReminderChannel(
            name="chat",
            recorded=notify.reminders_recorded,
            without_email=lambda ids: notify.without_email(notify.REMINDERS, ids),
        )
    )
    services.register_channel(
        services.NotificationChannel(
            name="chat",
            recorded=notify.notifications_recorded,
            without_email=lambda ids: notify.without_email(notify.NOTIFICATIONS, ids),
        )
    )
    events.subscribe(TEAM_NEWS, list(notify.CHANNEL_EVENTS))(notify.team_news_recorded)
    deliveries.register_owed_rows("chat_message", ChatDelivery, nudge_chat)
