"""Who is told what: kinds, privacy, preferences, follows, digest windows and retries."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.services import action_item_update
from notifications import tasks
from notifications.models import ASSIGNED, Follow, Kind, Notification, NotificationEmail
from notifications.services import follow_set, preferences_save
from postmortems import services
from postmortems.collaboration import comments
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", first_name="Alice", last_name="Author")


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Reviewer")


@pytest.fixture
def postmortem(alice, bob):
    return PostmortemFactory(
        authors=[alice],
        reviewers=[bob],
        incident__title="Checkout down",
        incident__commander=alice,
    )


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run a write and what follows its commit (consumers, e-mails), as a worker would."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def _told(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", "text"))


def test_submitting_tells_the_reviewers_by_inbox_and_email(after_commit, alice, bob, postmortem):
    after_commit(services.postmortem_submit_for_review, postmortem=postmortem, actor=alice)
    assert _told(bob) == [
        (
            Kind.REVIEW_REQUESTED,
            f"Alice Author asked you to review the postmortem of "
            f"{postmortem.incident.reference} Checkout down",
        )
    ]
    assert _told(alice) == []  # nobody is told of their own doing
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject.startswith("Alice Author asked you to review")
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/notifications/")
    email = NotificationEmail.objects.get()
    assert (
        message.extra_headers["Message-ID"] == f"<postmortems-notification-{email.pk}@testserver>"
    )
    assert email.status == NotificationEmail.Status.SENT


def test_a_review_decision_tells_the_authors(after_commit, alice, bob, postmortem):
    postmortem.status = "in_review"
    postmortem.save()
    after_commit(
        services.postmortem_review,
        postmortem=postmortem,
        actor=bob,
        decision="request_changes",
        body="The timeline is thin",
    )
    [(kind, text)] = _told(alice)
    assert kind == Kind.REVIEW_DECISION and "Bob Reviewer asked for changes to" in text
    assert Notification.objects.get(recipient=alice).excerpt == "The timeline is thin"


def test_a_mention_in_a_comment_is_one_mention_linking_to_the_comment(
    after_commit, alice, bob, postmortem
):
    comment = after_commit(
        comments.thread_start,
        postmortem=postmortem,
        actor=alice,
        section="timeline",
        body="@bob when did the pager fire?",
    )
    [notification] = Notification.objects.filter(recipient=bob)
    assert notification.kind == Kind.MENTION  # not also "a comment on what you review"
    assert notification.url == (
        reverse("postmortems:review", args=[postmortem.incident_id]) + f"#comment-{comment.pk}"
    )
    assert "mentioned you on the timeline section" in notification.text
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    assert "when did the pager fire?" in mail.outbox[0].body
    assert f"http://testserver/notifications/{notification.pk}/" in mail.outbox[0].body


def test_a_reply_tells_the_thread_and_the_followers(after_commit, alice, bob, postmortem):
    carol = UserFactory(username="carol")
    thread = comments.thread_start(
        postmortem=postmortem, actor=carol, section="timeline", body="A question"
    ).thread
    after_commit(comments.comment_reply, thread=thread, actor=bob, body="An answer")
    assert [k for k, _ in _told(carol)] == [Kind.REPLY]
    # Authors and reviewers follow: told of Carol's comment, and Alice of Bob's reply too.
    assert [k for k, _ in _told(alice)] == [Kind.COMMENT, Kind.COMMENT]
    assert [t for _, t in _told(bob)] == [
        f"{carol} commented on the timeline section of {postmortem.incident}"
    ]


def test_the_commenter_follows_the_incident_from_then_on(after_commit, alice, postmortem):
    dave = UserFactory(username="dave")
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=dave, section="timeline", body="Hi"
    )
    assert Follow.objects.filter(user=dave, incident=postmortem.incident, following=True).exists()
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=alice, section="timeline", body="Yo"
    )
    assert [k for k, _ in _told(dave)] == [Kind.COMMENT]


def test_an_author_who_unfollows_is_not_told_of_comments(after_commit, alice, bob, postmortem):
    follow_set(user=alice, incident=postmortem.incident, following=False)
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=bob, section="timeline", body="Hm"
    )
    assert _told(alice) == []


def test_publishing_tells_followers_and_the_team_but_not_others(after_commit, alice, bob):
    member, stranger, follower = UserFactory(), UserFactory(), UserFactory()
    team = TeamFactory(members=[member])
    postmortem = PostmortemFactory(
        incident__team=team,
        incident__commander=alice,
        authors=[alice],
        reviewers=[bob],
        status="in_review",
    )
    follow_set(user=follower, incident=postmortem.incident, following=True)
    services.postmortem_review(postmortem=postmortem, actor=bob, decision="approve")
    postmortem.refresh_from_db()
    after_commit(services.postmortem_publish, postmortem=postmortem, actor=bob)
    told = set(Notification.objects.filter(kind=Kind.PUBLISHED).values_list("recipient", flat=True))
    assert told == {alice.pk, member.pk, follower.pk, team.manager_id} - {None}
    assert stranger.pk not in told


def test_an_action_item_changed_by_someone_else_tells_its_owner(after_commit, alice):
    owner = UserFactory(username="owner")
    item = ActionItemFactory(owner=owner, title="Add a canary")
    after_commit(action_item_update, item=item, actor=alice, data={"status": "in_progress"})
    assert [k for k, _ in _told(owner)] == [Kind.ACTION_ITEM]
    after_commit(action_item_update, item=item, actor=owner, data={"priority": "P1"})
    assert len(_told(owner)) == 1  # one's own change tells nobody


def test_an_assignment_is_in_the_inbox_with_one_email_the_assignment_notice(after_commit, alice):
    item = ActionItemFactory(title="Write the runbook")
    newbie = UserFactory(username="newbie")
    mail.outbox.clear()
    after_commit(action_item_update, item=item, actor=alice, data={"owner": newbie})
    assert [k for k, _ in _told(newbie)] == [ASSIGNED]
    assert [m.subject for m in mail.outbox] == ["Action item assigned to you: Write the runbook"]


def test_a_private_incident_never_tells_an_outsider(after_commit, alice, client):
    outsider = UserFactory(username="outsider")
    incident = IncidentFactory(is_private=True, commander=alice, title="Secret outage")
    postmortem = PostmortemFactory(incident=incident, authors=[alice])
    follow_set(user=outsider, incident=incident, following=True)  # followed before it hid
    after_commit(
        comments.thread_start,
        postmortem=postmortem,
        actor=alice,
        section="timeline",
        body="@outsider look at this",
    )
    assert _told(outsider) == [] and mail.outbox == []
    client.force_login(alice)
    people = client.get(reverse("postmortems:mention_people", args=[incident.pk]), {"q": "out"})
    assert people.json() == {"people": []}
    public = IncidentFactory()
    people = client.get(reverse("postmortems:mention_people", args=[public.pk]), {"q": "out"})
    assert [p["username"] for p in people.json()["people"]] == ["outsider"]


def test_preferences_turn_a_kind_off_by_email_or_in_the_inbox(
    after_commit, client, alice, bob, postmortem
):
    client.force_login(bob)
    response = client.post(
        reverse("notifications:preferences"),
        {f"{kind}_in_app": "on" for kind in Kind} | {"mention_email": ""},
    )
    assert response.status_code == 302
    after_commit(
        comments.thread_start,
        postmortem=postmortem,
        actor=alice,
        section="timeline",
        body="@bob in the inbox only",
    )
    assert [k for k, _ in _told(bob)] == [Kind.MENTION] and mail.outbox == []
    preferences_save(user=bob, choices={Kind.MENTION: (False, False)})
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=alice, section="summary", body="@bob"
    )
    assert len(_told(bob)) == 1


def test_the_unsubscribe_link_turns_every_email_off_without_login(
    after_commit, client, alice, bob, postmortem
):
    after_commit(services.postmortem_submit_for_review, postmortem=postmortem, actor=alice)
    path = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = path.removeprefix("http://testserver")
    assert "Stop notification e-mails?" in client.get(path).content.decode()
    assert client.post(path).status_code == 200  # one-click, as a mail client sends it
    mail.outbox.clear()
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=alice, section="timeline", body="@bob"
    )
    assert mail.outbox == [] and len(_told(bob)) == 2


@override_settings(NOTIFICATION_DIGEST_MINUTES=5)
def test_a_burst_by_one_person_becomes_one_email(after_commit, alice, bob, postmortem):
    for n in range(12):
        after_commit(
            comments.thread_start,
            postmortem=postmortem,
            actor=alice,
            section="timeline",
            body=f"@bob point {n}",
        )
    assert mail.outbox == []  # the window is still open
    email = NotificationEmail.objects.get(recipient=bob)
    assert email.notifications.count() == 12
    NotificationEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    tasks.deliver_notification_email.delay(email_id=email.pk)
    tasks.deliver_notification_email.delay(email_id=email.pk)  # a second nudge: harmless
    [message] = mail.outbox
    assert message.subject == f"12 updates on {postmortem.incident.reference}"
    assert "point 0" in message.body and "point 11" in message.body
    # The next change after the e-mail went starts a new one.
    after_commit(
        comments.thread_start, postmortem=postmortem, actor=alice, section="timeline", body="@bob"
    )
    assert NotificationEmail.objects.filter(recipient=bob).count() == 2


def test_an_smtp_failure_is_retried_and_sent_once_with_the_same_message_id(
    after_commit, monkeypatch, alice, bob, postmortem
):
    from django.core.mail.backends.locmem import EmailBackend

    sent = EmailBackend.send_messages
    failures = []

    def flaky(self, messages):
        if not failures:
            failures.append(messages[0].extra_headers["Message-ID"])
            raise smtplib.SMTPServerDisconnected("connection lost")
        return sent(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    after_commit(services.postmortem_submit_for_review, postmortem=postmortem, actor=alice)
    email = NotificationEmail.objects.get()
    assert email.status == NotificationEmail.Status.PENDING and email.attempts == 1
    assert mail.outbox == []
    NotificationEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    tasks.deliver_notification_email.delay(email_id=email.pk)
    tasks.deliver_notification_email.delay(email_id=email.pk)
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == failures[0]
    email.refresh_from_db()
    assert email.status == NotificationEmail.Status.SENT and email.attempts == 2


def test_handling_an_event_twice_tells_nobody_twice(alice, bob, postmortem):
    from core.models import ChangeRecord
    from notifications.handlers import notify_people

    services.postmortem_submit_for_review(postmortem=postmortem, actor=alice)
    record = ChangeRecord.objects.get(event="postmortem.submitted")
    notify_people([record])
    notify_people([record])
    assert len(_told(bob)) == 1


def test_a_mention_in_the_narrative_links_to_its_section(after_commit, alice, bob, postmortem):
    after_commit(
        services.postmortem_update,
        postmortem=postmortem,
        actor=alice,
        data={"sections": {"trigger": "A deploy; @bob knows which one."}},
        expected_version=postmortem.version,
    )
    [notification] = Notification.objects.filter(recipient=bob)
    assert notification.kind == Kind.MENTION
    assert "mentioned you in the Trigger section of" in notification.text
    assert notification.url == (
        reverse("postmortems:review", args=[postmortem.incident_id]) + "#section-trigger"
    )
    postmortem.refresh_from_db()
    after_commit(
        services.postmortem_update,
        postmortem=postmortem,
        actor=alice,
        data={"sections": {"trigger": "A deploy; @bob knows which one. Rolled back."}},
        expected_version=postmortem.version,
    )
    assert Notification.objects.filter(recipient=bob).count() == 1  # not mentioned anew


def test_editing_a_comment_tells_only_the_newly_mentioned(after_commit, alice, bob, postmortem):
    carol = UserFactory(username="carol")
    comment = after_commit(
        comments.thread_start, postmortem=postmortem, actor=alice, section="timeline", body="@bob"
    )
    after_commit(comments.comment_edit, comment=comment, actor=alice, body="@bob and @carol")
    assert [k for k, _ in _told(carol)] == [Kind.MENTION]
    assert [k for k, _ in _told(bob)] == [Kind.MENTION]
