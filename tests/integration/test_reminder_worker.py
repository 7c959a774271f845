"""The reminder sweep through a real Celery worker on Redis and a real SMTP server."""

from datetime import date, timedelta

import pytest

from incidents import tasks
from incidents.models import ReminderDelivery
from tests.factories import ActionItemFactory, UserFactory
from tests.integration.conftest import kill_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2026, 3, 18)


def owners_with_due_items(count: int) -> list[str]:
    addresses = []
    for index in range(count):
        owner = UserFactory(username=f"worker-owner-{index}")
        ActionItemFactory.create_batch(2, owner=owner, due_date=DAY - timedelta(days=1))
        addresses.append(owner.email)
    return sorted(addresses)


def enqueue_sweep(queue_name: str) -> None:
    tasks.send_reminders_sweep.apply_async(args=[DAY.isoformat()], queue=queue_name)


def assert_no_more_mail_arrives(mailbox, expected: list[str], queue_drained) -> None:
    queue_drained()  # a duplicate queued before the sentinel would have been sent by now
    assert mailbox.recipients() == expected


def test_sweep_on_a_real_worker_sends_each_owner_one_digest(
    celery_app_publishing, smtp_server, start_worker, queue_name, queue_drained
):
    expected = owners_with_due_items(3)
    smtp_server.start()
    start_worker()

    enqueue_sweep(queue_name)
    wait_until(lambda: len(smtp_server.mailbox.messages) >= 3, 60, "three digests")

    assert_no_more_mail_arrives(smtp_server.mailbox, expected, queue_drained)
    message = smtp_server.mailbox.messages[0]
    assert message["Subject"] == "2 overdue: your open action items"
    unsubscribe = "".join(message["List-Unsubscribe"].split())  # unfold the long header
    assert unsubscribe.startswith("<http://testserver/incidents/unsubscribe/")
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_smtp_down_for_the_first_tries_then_up_delivers_every_digest_once(
    celery_app_publishing, smtp_server, start_worker, queue_name, queue_drained
):
    expected = owners_with_due_items(3)
    start_worker()  # the SMTP server is not listening yet

    enqueue_sweep(queue_name)
    wait_until(
        lambda: ReminderDelivery.objects.filter(attempts__gte=2).count() == 3,
        60,
        "every delivery to fail at least twice",
    )
    assert smtp_server.mailbox.messages == []
    assert "Connection refused" in ReminderDelivery.objects.first().last_error
    smtp_server.start()

    wait_until(lambda: len(smtp_server.mailbox.messages) >= 3, 60, "three digests")
    assert_no_more_mail_arrives(smtp_server.mailbox, expected, queue_drained)
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_worker_killed_mid_sweep_and_restarted_delivers_every_digest_exactly_once(
    celery_app_publishing, smtp_server, start_worker, queue_name, queue_drained
):
    expected = owners_with_due_items(6)
    smtp_server.mailbox.hold_at = 3  # the third email hangs mid-SMTP until we kill the worker
    smtp_server.start()
    worker = start_worker()

    enqueue_sweep(queue_name)
    assert smtp_server.mailbox.held.wait(60), "the third email never started"
    kill_worker(worker)  # SIGKILL: no clean shutdown, the task is neither acked nor finished
    smtp_server.mailbox.release.set()
    assert len(smtp_server.mailbox.messages) == 2

    start_worker()
    wait_until(lambda: len(smtp_server.mailbox.messages) >= 6, 90, "all six digests")
    assert_no_more_mail_arrives(smtp_server.mailbox, expected, queue_drained)
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
