"""Two people write and review together, with a real worker and a real SMTP server.

Alice mentions Bob in a comment on the timeline; the e-mail reaches the SMTP server on
loopback through the worker; Bob follows its link to the thread, replies and resolves it;
Alice's unread count goes up, and down again once she reads it.
"""

import re

import pytest
from playwright.sync_api import expect

from core import events
from incidents import tasks as incident_tasks
from tests.browser.conftest import log_in
from tests.factories import PostmortemFactory, TimelineEventFactory, UserFactory
from tests.integration.conftest import (  # noqa: F401 - fixtures
    celery_app_publishing,
    queue_name,
    services,
    smtp_server,
    start_worker,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(services, start_worker, smtp_server, queue_name, celery_app_publishing, monkeypatch):  # noqa: F811
    """Run a real worker; the live server's after-commit nudges go to its queue."""

    def nudge(names: list[str]) -> None:
        for name in names:
            incident_tasks.handle_events.apply_async(kwargs={"consumer": name}, queue=queue_name)

    monkeypatch.setattr(events, "_nudge", nudge)
    smtp_server.start()
    start_worker(NOTIFICATION_DIGEST_MINUTES="0")
    return smtp_server.mailbox


def _unread(page) -> str:
    badge = page.locator(".nav-links .unread-count")
    return "0" if badge.is_hidden() else badge.inner_text()


def test_alice_mentions_bob_who_follows_the_email_replies_and_resolves(
    worker, new_page, screenshot
):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Author")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    postmortem = PostmortemFactory(
        authors=[alice], incident__commander=alice, incident__title="Checkout outage"
    )
    TimelineEventFactory(incident=postmortem.incident, description="The pager fired")
    review_path = f"/postmortems/{postmortem.incident_id}/review/"

    page_alice = new_page()
    log_in(page_alice, "alice")
    page_alice.goto(review_path)
    timeline = page_alice.locator("#section-timeline")
    timeline.locator("summary", has_text="Comment on Timeline").click()
    box = timeline.get_by_label("Comment on Timeline")
    box.press_sequentially("@bo")
    suggestion = timeline.get_by_role("option", name="Bob Builder (@bob)")
    expect(suggestion).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("@bob ")
    box.press_sequentially("when exactly did the pager fire?")
    timeline.get_by_role("button", name="Comment").click()
    expect(page_alice.locator("#section-timeline .comment-body")).to_contain_text(
        "when exactly did the pager fire?"
    )

    wait_until(lambda: worker.recipients() == [bob.email], 60, "the e-mail to Bob")
    message = worker.messages[0]
    assert "mentioned you" in message["Subject"]
    assert message["List-Unsubscribe"]
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    link = re.search(
        r"http://testserver(/notifications/\d+/)", text.get_payload(decode=True).decode()
    )

    page_bob = new_page()
    log_in(page_bob, "bob")
    page_bob.goto(link.group(1))
    expect(page_bob).to_have_url(re.compile(r"/review/#comment-\d+$"))
    thread = page_bob.locator(".thread").first
    expect(thread).to_contain_text("when exactly did the pager fire?")
    expect(page_bob.locator(".nav-links .unread-count")).to_be_hidden()  # the link read it
    # "Reply" is said once, by the button; the box is "Your reply on …".
    expect(thread.get_by_label("Reply", exact=True)).to_have_count(0)
    expect(thread.get_by_role("button", name="Reply", exact=True)).to_have_count(1)
    thread.get_by_label("Your reply on").fill("At 09:02, see the first entry.")
    thread.get_by_role("button", name="Reply").click()
    thread = page_bob.locator(".thread").first
    expect(thread).to_contain_text("At 09:02, see the first entry.")
    thread.get_by_role("button", name="Resolve").click()
    expect(page_bob.locator("#section-timeline")).to_contain_text("1 resolved thread")

    # Alice is told of the reply in her thread and of its resolving: the count goes up...
    def alice_sees_two() -> bool:
        page_alice.reload()
        page_alice.wait_for_load_state("networkidle")
        return _unread(page_alice) == "2"

    wait_until(alice_sees_two, 60, "Alice's unread count to show the reply and the resolving")
    screenshot(page_alice, "collaboration-review-1280")
    page_alice.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page_alice.get_by_role("link", name=re.compile("Bob Builder replied"))).to_be_visible()
    resolved = re.compile("Bob Builder resolved a thread you took part in")
    expect(page_alice.get_by_role("link", name=resolved)).to_be_visible()
    screenshot(page_alice, "collaboration-inbox-1280")
    # ...and down once she opens one.
    page_alice.get_by_role("link", name=re.compile("Bob Builder replied")).click()
    expect(page_alice).to_have_url(re.compile(r"/review/#comment-\d+$"))
    page_alice.wait_for_load_state("networkidle")
    assert _unread(page_alice) == "1"

    narrow = new_page(width=390, height=844)
    log_in(narrow, "alice")
    narrow.goto(review_path)
    narrow.locator("#section-timeline summary.resolved-count").click()
    screenshot(narrow, "collaboration-review-390")
    narrow.goto("/notifications/")
    screenshot(narrow, "collaboration-inbox-390")
    # One e-mail per event: Bob's mention, Alice's reply and her thread resolved; nobody is
    # told of their own doing.
    assert worker.recipients() == sorted([alice.email, alice.email, bob.email])
