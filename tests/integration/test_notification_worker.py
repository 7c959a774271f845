"""Notification e-mails through a real worker, Redis and SMTP server: each arrives once.

The events are recorded here; the worker runs the consumer (which owes the e-mails) and
sends them. A worker killed after the SMTP server kept a message but before its "250"
sends that one again at most, with the same Message-ID; every other arrives exactly once.
"""

from collections import Counter

import pytest

from core import events
from incidents import tasks as incident_tasks
from notifications.models import NotificationEmail
from postmortems import services
from tests.factories import PostmortemFactory, UserFactory
from tests.integration.conftest import kill_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nudges_to_the_test_queue(monkeypatch, queue_name, celery_app_publishing):
    """Send this process's after-commit nudges to the queue the test's worker listens on."""

    def nudge(names: list[str]) -> None:
        for name in names:
            incident_tasks.handle_events.apply_async(kwargs={"consumer": name}, queue=queue_name)

    monkeypatch.setattr(events, "_nudge", nudge)


RECOVERY = {
    "DELIVERY_RECOVERY_INTERVAL_SECONDS": "1",
    "DELIVERY_RECOVER_AFTER_SECONDS": "2",
    "DELIVERY_CLAIM_STALE_SECONDS": "4",
    "NOTIFICATION_DIGEST_MINUTES": "0",
}


def _request_reviews(count: int) -> list[str]:
    """Submit a postmortem with `count` reviewers; return the addresses owed an e-mail."""
    author = UserFactory(username="writer")
    reviewers = [UserFactory(username=f"reviewer{n:02d}") for n in range(count)]
    postmortem = PostmortemFactory(
        authors=[author], reviewers=reviewers, incident__commander=author
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    return sorted(user.email for user in reviewers)


def _arrivals(mailbox) -> Counter:
    with mailbox.lock:
        return Counter(message["To"] for message in mailbox.messages)


def test_each_review_request_email_arrives_once(
    services, smtp_server, start_worker, nudges_to_the_test_queue
):
    smtp_server.start()
    start_worker(**RECOVERY)
    expected = _request_reviews(4)
    wait_until(lambda: set(_arrivals(smtp_server.mailbox)) == set(expected), 60, "every e-mail")
    wait_until(
        lambda: set(NotificationEmail.objects.values_list("status", flat=True)) == {"sent"},
        30,
        "every e-mail row to be marked sent",
    )
    assert sorted(_arrivals(smtp_server.mailbox).elements()) == expected
    ids = [m["Message-ID"] for m in smtp_server.mailbox.messages]
    assert len(set(ids)) == len(ids) and all(
        i.startswith("<postmortems-notification-") for i in ids
    )


def test_a_worker_killed_mid_send_sends_at_most_that_email_twice_with_one_message_id(
    services, smtp_server, start_worker, start_beat, nudges_to_the_test_queue
):
    smtp_server.mailbox.hold_reply_at = 2  # the server keeps the 2nd, its "250" never leaves
    smtp_server.start()
    # A visibility timeout of an hour: recovery, not the broker, must bring the e-mail back.
    settings = {**RECOVERY, "CELERY_VISIBILITY_TIMEOUT": "3600"}
    worker = start_worker(**settings)
    start_beat(**settings)

    expected = _request_reviews(4)
    assert smtp_server.mailbox.held.wait(60), "the second e-mail never reached the server"
    held = smtp_server.mailbox.messages[-1]
    kill_worker(worker)
    smtp_server.mailbox.release.set()
    start_worker(**settings)

    wait_until(lambda: set(_arrivals(smtp_server.mailbox)) == set(expected), 90, "every e-mail")
    wait_until(
        lambda: set(NotificationEmail.objects.values_list("status", flat=True)) == {"sent"},
        60,
        "every e-mail row to be marked sent",
    )
    counts = _arrivals(smtp_server.mailbox)
    assert sorted(counts) == expected
    assert {address for address, n in counts.items() if n > 1} <= {held["To"]}
    assert counts[held["To"]] <= 2
    # A resend carries the same Message-ID, so the receiving side can drop it.
    held_ids = {m["Message-ID"] for m in smtp_server.mailbox.messages if m["To"] == held["To"]}
    assert len(held_ids) == 1
