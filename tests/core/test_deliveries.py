"""Owed deliveries: a claim token guards every update; recovery re-sends what was lost."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import deliveries
from incidents import reminders
from incidents.models import ReminderDelivery
from tests.factories import ActionItemFactory, ReminderDeliveryFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 18)


def owed_digest(**fields) -> ReminderDelivery:
    item = ActionItemFactory(due_date=DAY - timedelta(days=1), title="Rotate the TLS keys")
    return ReminderDeliveryFactory(recipient=item.owner, for_date=DAY, item_ids=[item.pk], **fields)


def age(delivery: ReminderDelivery, **ago) -> None:
    """Move the row's times back, as if it had waited that long."""
    then = timezone.now() - timedelta(**ago)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        created_at=then, claimed_at=then if delivery.claimed_at else None
    )


def test_a_stalled_worker_whose_claim_was_taken_over_sends_nothing(mailoutbox, settings):
    settings.DELIVERY_CLAIM_STALE_SECONDS = 60
    delivery = owed_digest()
    slow = reminders.claim_delivery(delivery.pk)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=5)  # the slow worker stalls
    )
    fast = reminders.claim_delivery(delivery.pk)
    reminders.send_claimed_delivery(fast)

    reminders.send_claimed_delivery(slow)  # the slow worker wakes up

    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.claim_token == fast.claim_token


def test_finishing_releasing_or_failing_a_lost_claim_changes_nothing():
    delivery = owed_digest()
    first = reminders.claim_delivery(delivery.pk)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - timedelta(hours=2)
    )
    second = reminders.claim_delivery(delivery.pk)

    assert not deliveries.finish(first, ReminderDelivery.Status.SENT)
    assert not deliveries.release(first, OSError("late"), retry_in=5)
    assert not deliveries.fail(first, OSError("late"))
    delivery.refresh_from_db()
    assert delivery.status == "sending" and delivery.claim_token == second.claim_token
    assert delivery.last_error == ""


def test_recovery_sends_a_digest_whose_task_was_lost(mailoutbox, settings):
    settings.DELIVERY_RECOVER_AFTER_SECONDS = 120
    lost = owed_digest()
    age(lost, minutes=3)

    assert deliveries.recover_owed() == {
        "reminder": 1,
        "event": 0,
        "webhook": 0,
        "webhook_disabled_email": 0,
        "tracker_issue": 0,
        "tracker_state": 0,
        "confluence_page": 0,
        "chat_message": 0,
        "chat_command": 0,
        "notification_email": 0,
        "unlock_link": 0,
    }

    assert [message.to for message in mailoutbox] == [[lost.recipient.email]]
    lost.refresh_from_db()
    assert lost.status == "sent"


def test_recovery_leaves_rows_whose_task_may_still_be_queued_or_retrying(settings):
    settings.DELIVERY_RECOVER_AFTER_SECONDS = 120
    owed_digest()  # just made: its task is on its way
    retrying = owed_digest(next_attempt_at=timezone.now() + timedelta(minutes=5))
    age(retrying, hours=1)
    sending = owed_digest(status="sending", claimed_at=timezone.now())
    sent = owed_digest(status="sent")
    age(sent, hours=1)

    assert deliveries.owed_deliveries(ReminderDelivery, timezone.now()).count() == 0
    assert sending.status == "sending"


def test_recovery_takes_over_a_claim_older_than_the_stale_limit(mailoutbox, settings):
    settings.DELIVERY_CLAIM_STALE_SECONDS = 300
    abandoned = owed_digest(status="sending", claimed_at=timezone.now(), attempts=1)
    age(abandoned, minutes=6)

    deliveries.recover_owed()

    assert len(mailoutbox) == 1
    abandoned.refresh_from_db()
    assert abandoned.status == "sent" and abandoned.attempts == 2


def test_recovery_gives_up_on_rows_older_than_the_expiry(mailoutbox, settings):
    settings.DELIVERY_EXPIRE_DAYS = 3
    expired = owed_digest()
    age(expired, days=4)

    assert deliveries.recover_owed()["reminder"] == 0
    assert mailoutbox == []


def test_status_prints_the_counts_of_each_day(settings):
    settings.DELIVERY_CLAIM_STALE_SECONDS = 300
    owed_digest(status="sent")
    owed_digest(status="failed")
    late = owed_digest()
    age(late, minutes=10)
    ReminderDeliveryFactory(for_date=DAY - timedelta(days=1), status="skipped")
    out = StringIO()

    call_command("send_reminders", "--status", "--date", DAY.isoformat(), "--days", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Reminder deliveries from 2026-03-17 to 2026-03-18:"
    assert lines[1].split() == ["day", "pending", "sending", "sent", "skipped", "failed"]
    assert lines[2].split() == ["2026-03-17", "0", "0", "0", "1", "0"]
    assert lines[3].split() == ["2026-03-18", "1", "0", "1", "0", "1"]
    assert lines[4] == (
        "Owed for longer than the stale limit: reminder 1, event 0, webhook 0, "
        "webhook_disabled_email 0, "
        "tracker_issue 0, tracker_state 0, confluence_page 0, chat_message 0, chat_command 0, "
        "unlock_link 0, "
        "notification_email 0."
    )


def test_health_reports_deliveries_overdue_by_more_than_the_stale_limit(client, settings):
    settings.DELIVERY_CLAIM_STALE_SECONDS = 300
    age(owed_digest(), minutes=10)
    owed_digest()  # on time

    body = client.get("/health/").json()

    assert body["deliveries_overdue"] == {
        "reminder": 1,
        "event": 0,
        "webhook": 0,
        "webhook_disabled_email": 0,
        "tracker_issue": 0,
        "tracker_state": 0,
        "confluence_page": 0,
        "chat_message": 0,
        "chat_command": 0,
        "notification_email": 0,
        "unlock_link": 0,
    }
