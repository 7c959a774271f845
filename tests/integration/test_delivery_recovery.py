"""What is owed survives the broker: a Redis restart or a killed worker loses no digest.

Each test runs a real worker, beat (whose recovery task runs every second here) and SMTP
server; the Redis restart uses a Redis of the test's own, never the machine's.
"""

from collections import Counter

import pytest
from kombu import Connection

from incidents import tasks
from incidents.models import ReminderDelivery
from tests.integration.conftest import kill_worker, wait_until
from tests.integration.test_reminder_worker import DAY, owners_with_due_items

pytestmark = pytest.mark.django_db(transaction=True)

RECOVERY = {
    "DELIVERY_RECOVERY_INTERVAL_SECONDS": "1",
    "DELIVERY_RECOVER_AFTER_SECONDS": "2",
    "DELIVERY_CLAIM_STALE_SECONDS": "4",
}


def arrivals(mailbox) -> Counter:
    with mailbox.lock:
        return Counter(message["To"] for message in mailbox.messages)


def wait_for_every_digest(mailbox, expected: list[str], timeout: float) -> None:
    wait_until(lambda: set(arrivals(mailbox)) == set(expected), timeout, "every digest")
    wait_until(
        lambda: set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"},
        30,
        "every delivery row to be marked sent",
    )


def test_a_redis_restart_mid_sweep_loses_no_digest_and_sends_none_twice(
    private_redis, smtp_server, start_worker, start_beat, queue_name, celery_app_publishing
):
    expected = owners_with_due_items(24)
    smtp_server.mailbox.delay = 0.25  # the sweep takes seconds, so Redis can die mid-way
    smtp_server.start()
    broker = {"REDIS_URL": private_redis.url, **RECOVERY}
    start_worker(**broker)
    start_beat(**broker)

    with Connection(private_redis.url) as connection:
        tasks.send_reminders_sweep.apply_async(
            args=[DAY.isoformat()], queue=queue_name, connection=connection
        )
    wait_until(lambda: len(smtp_server.mailbox.messages) >= 6, 60, "the first digests")
    private_redis.restart()  # no persistence: every queued delivery task is gone
    assert len(smtp_server.mailbox.messages) < len(expected), "Redis restarted too late"

    wait_for_every_digest(smtp_server.mailbox, expected, 120)
    assert sorted(arrivals(smtp_server.mailbox).elements()) == expected  # each exactly once


def test_a_worker_killed_after_the_smtp_server_accepted_a_digest_sends_at_most_that_one_twice(
    services, smtp_server, start_worker, start_beat, queue_name, celery_app_publishing
):
    expected = owners_with_due_items(5)
    smtp_server.mailbox.hold_reply_at = 2  # the server keeps the 2nd, its "250" never leaves
    smtp_server.start()
    # A visibility timeout of an hour: recovery, not the broker, must bring the digest back.
    settings = {**RECOVERY, "CELERY_VISIBILITY_TIMEOUT": "3600"}
    worker = start_worker(**settings)
    start_beat(**settings)

    tasks.send_reminders_sweep.apply_async(args=[DAY.isoformat()], queue=queue_name)
    assert smtp_server.mailbox.held.wait(60), "the second digest never reached the server"
    accepted_before_the_crash = smtp_server.mailbox.messages[-1]["To"]
    kill_worker(worker)
    smtp_server.mailbox.release.set()
    start_worker(**settings)

    wait_for_every_digest(smtp_server.mailbox, expected, 90)
    counts = arrivals(smtp_server.mailbox)
    duplicates = {address for address, count in counts.items() if count > 1}
    assert duplicates <= {accepted_before_the_crash}
    assert counts[accepted_before_the_crash] <= 2
    assert sorted(counts) == expected
