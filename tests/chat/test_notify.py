"""Reminders and notifications in chat: where each goes, once, and never what is private."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat import notify
from chat.models import ChatDelivery, ChatNotifyChoice, ChatUserLink
from chat.notify_tasks import deliver_chat_message
from core import deliveries
from core.models import ChangeRecord
from incidents import tasks as incident_tasks
from incidents.models import ReminderDelivery
from notifications import services as notification_services
from notifications import tasks as notification_tasks
from notifications.models import Kind
from tests.chat.notify_fakes import DmMattermost, DmSlack
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory

WEDNESDAY = date(2026, 3, 18)
Via = ChatNotifyChoice.Via


@pytest.fixture
def slack(httpserver, settings):
    fake = DmSlack(httpserver)
    settings.SLACK_API_URL = fake.api_url
    return fake


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def connection(slack, team):
    return slack.connection(team)


@pytest.fixture
def ana_in_slack(slack, connection, author):
    slack.add_user("UANA", "Ana", "ana@example.com")
    ChatUserLink.objects.create(connection=connection, user=author, chat_user_id="UANA")
    return "DUANA"  # her DM channel with the bot


@pytest.fixture
def unnudged(monkeypatch):
    """Rows are made but no task is enqueued for them (a lost nudge, a stalled broker)."""
    from chat import notify_tasks

    monkeypatch.setattr(notify_tasks, "nudge_chat", lambda ids: None)


def choose(user, reminders=Via.EMAIL, notifications=Via.EMAIL):
    ChatNotifyChoice.objects.update_or_create(
        user=user, defaults={"reminders": reminders, "notifications": notifications}
    )


def sweep(capture, day=WEDNESDAY):
    with capture(execute=True):
        incident_tasks.send_reminders_sweep(day.isoformat())


def notify_comment(capture, incident, recipient, actor):
    record = ChangeRecord.objects.create(
        incident=incident, actor=actor, action="created", event="comment.created",
        object_type="comment", object_repr="a comment",
    )  # fmt: skip
    intent = notification_services.Intent(
        recipient.pk, Kind.COMMENT, record, f"{actor} commented on {incident.reference}",
        f"{incident.get_absolute_url()}#comment-1",
    )  # fmt: skip
    with capture(execute=True):
        # As the notifications consumer does: store, then nudge the e-mails after commit.
        notification_tasks.nudge_emails_after_commit(notification_services.notify([intent]))
    return record


# Reminders: e-mail, chat or both.


@pytest.mark.parametrize(
    ("via", "emails", "dms"), [(Via.EMAIL, 1, 0), (Via.CHAT, 0, 1), (Via.BOTH, 1, 1)]
)
def test_a_reminder_goes_where_its_owner_chose(
    via, emails, dms, capture, mailoutbox, slack, ana_in_slack, author, incident
):
    ActionItemFactory(incident=incident, owner=author, title="Add failover alert",
                      due_date=WEDNESDAY - timedelta(days=2))  # fmt: skip
    choose(author, reminders=via)

    sweep(capture)

    assert len([m for m in mailoutbox if "ana@example.com" in str(m.to)]) == emails
    posted = slack.posted_to(ana_in_slack)
    assert len(posted) == dms
    if dms:
        assert "Add failover alert" in posted[0] and "2 days overdue" in posted[0]
        assert f"http://testserver{incident.get_absolute_url()}" in posted[0]


def test_chat_only_falls_back_to_email_while_the_person_is_not_linked(
    capture, mailoutbox, slack, connection, author, incident
):
    ActionItemFactory(incident=incident, owner=author, due_date=WEDNESDAY)
    choose(author, reminders=Via.CHAT)

    sweep(capture)

    assert len(mailoutbox) == 1
    assert not ChatDelivery.objects.exists()


def test_a_second_sweep_of_the_day_posts_nothing_again(
    capture, slack, ana_in_slack, author, incident
):
    ActionItemFactory(incident=incident, owner=author, due_date=WEDNESDAY)
    choose(author, reminders=Via.CHAT)

    sweep(capture)
    sweep(capture)

    assert len(slack.posted_to(ana_in_slack)) == 1
    assert ChatDelivery.objects.get().status == ChatDelivery.Status.SENT


# Notifications: e-mail, chat or both.


@pytest.mark.parametrize(
    ("via", "emails", "dms"), [(Via.EMAIL, 1, 0), (Via.CHAT, 0, 1), (Via.BOTH, 1, 1)]
)
def test_a_notification_goes_where_its_recipient_chose(
    via, emails, dms, capture, mailoutbox, slack, ana_in_slack, author, incident
):
    choose(author, notifications=via)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Stone")

    notify_comment(capture, incident, author, bob)

    assert len(mailoutbox) == emails
    posted = slack.posted_to(ana_in_slack)
    assert len(posted) == dms
    if dms:
        assert f"Bob Stone commented on {incident.reference}" in posted[0]
        assert f"<http://testserver{incident.get_absolute_url()}#comment-1|" in posted[0]


def test_a_notification_by_dm_in_mattermost(capture, httpserver, settings, author, team, incident):
    settings.CHAT_ALLOW_PRIVATE_ADDRESSES = True
    mattermost = DmMattermost(httpserver)
    connection = mattermost.connection(team)
    ana = mattermost.add_user("ana", "ana@example.com")
    ChatUserLink.objects.create(connection=connection, user=author, chat_user_id=ana)
    choose(author, notifications=Via.CHAT)

    notify_comment(capture, incident, author, UserFactory(username="bob"))

    assert len(mattermost.posted) == 1
    assert mattermost.posted[0]["channel_id"].startswith("dm")
    assert (
        f"]({'http://testserver'}{incident.get_absolute_url()}#comment-1)"
        in (mattermost.posted[0]["message"])
    )


# Once per row.


def test_a_row_is_posted_once_when_its_task_runs_twice(
    capture, slack, ana_in_slack, author, incident
):
    choose(author, notifications=Via.CHAT)
    notify_comment(capture, incident, author, UserFactory())
    row = ChatDelivery.objects.get()

    deliver_chat_message(delivery_id=row.pk)
    deliver_chat_message(delivery_id=row.pk)

    assert len(slack.posted_to(ana_in_slack)) == 1


def test_a_worker_whose_claim_was_taken_over_posts_nothing(
    capture, settings, slack, ana_in_slack, author, incident, unnudged
):
    choose(author, notifications=Via.CHAT)
    notify_comment(capture, incident, author, UserFactory())
    row = ChatDelivery.objects.get()
    stalled = notify.claim(row.pk)
    # The first worker stalls past the stale limit; recovery's nudge takes the row over.
    ChatDelivery.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.DELIVERY_CLAIM_STALE_SECONDS + 1)
    )
    deliveries.recover_owed()  # its nudge runs the task, which posts

    notify.post_claimed(stalled)

    assert len(slack.posted_to(ana_in_slack)) == 1
    assert ChatDelivery.objects.get().status == ChatDelivery.Status.SENT


# Failures.


def test_a_rate_limited_message_is_tried_again_when_the_chat_says(
    capture, settings, slack, ana_in_slack, author, incident
):
    settings.CHAT_MAX_RETRY_WAIT_SECONDS = 30
    slack.rate_limited, slack.retry_after = 5, 120  # longer than a worker waits in place
    choose(author, notifications=Via.CHAT)

    notify_comment(capture, incident, author, UserFactory())

    row = ChatDelivery.objects.get()
    assert row.status == ChatDelivery.Status.PENDING
    assert "slow down" in row.last_error
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 110 < wait <= 120
    assert slack.posted == []

    # Recovery nudges it once it is due, and the chat takes it.
    slack.rate_limited = 0
    ChatDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    deliveries.recover_owed()
    assert len(slack.posted_to(ana_in_slack)) == 1


def test_a_revoked_token_fails_the_row_with_the_reason_on_the_connection_page(
    capture, client, slack, connection, ana_in_slack, author, incident
):
    slack.revoked = True
    choose(author, notifications=Via.CHAT)

    notify_comment(capture, incident, author, UserFactory())

    row = ChatDelivery.objects.get()
    assert row.status == ChatDelivery.Status.FAILED
    assert row.last_error.startswith("Slack says the bot token was revoked")
    manager = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(manager)
    page = client.get(reverse("chat:connection", args=[connection.pk])).content.decode()
    assert "Slack says the bot token was revoked" in page
    page = client.get(reverse("chat:notify_channel", args=[connection.pk])).content.decode()
    assert "Slack says the bot token was revoked" in page


def test_a_channel_the_bot_is_not_in_fails_the_post(capture, slack, connection, team, author):
    connection.notify_channel_id, connection.notify_notifications = "CGONE", True
    connection.save()

    with capture(execute=True):
        incident = IncidentFactory(team=team, title="Queue stuck")
        ChangeRecord.objects.create(incident=incident, action="created", event="incident.created",
                                    object_type="incident")  # fmt: skip
        notify.team_news_recorded(list(ChangeRecord.objects.select_related("incident")))

    row = ChatDelivery.objects.get()
    assert row.status == ChatDelivery.Status.FAILED
    assert "no such channel" in row.last_error


# Team channel, and what stays private.


@pytest.fixture
def channel(slack, connection):
    channel_id = slack.add_channel("payments")
    connection.notify_channel_id, connection.notify_channel_name = channel_id, "payments"
    connection.notify_reminders = connection.notify_notifications = True
    connection.save()
    return channel_id


def _news(capture, incident):
    record = ChangeRecord.objects.create(
        incident=incident, action="created", event="postmortem.published", object_type="x"
    )
    with capture(execute=True):
        notify.team_news_recorded(
            [ChangeRecord.objects.select_related("incident").get(pk=record.pk)]
        )


def test_team_news_is_posted_in_the_channel_and_a_private_incidents_never(
    capture, slack, channel, team
):
    public = IncidentFactory(team=team, title="Checkout <!channel> & *slow*")
    secret = IncidentFactory(team=team, title="Breach", is_private=True)

    _news(capture, public)
    _news(capture, secret)

    posted = slack.posted_to(channel)
    assert len(posted) == 1
    assert "postmortem published" in posted[0]
    # Escaped for mrkdwn: no channel ping, no stray markup.
    assert "&lt;!channel&gt; &amp; *slow*" in posted[0]
    assert "<!channel>" not in posted[0]
    assert not any("Breach" in text for text in slack.posted_to(channel))


def test_news_of_an_incident_made_private_before_posting_is_skipped(capture, slack, channel, team):
    incident = IncidentFactory(team=team, title="Soon private")
    with capture(execute=False):
        record = ChangeRecord.objects.create(
            incident=incident, action="created", event="incident.created", object_type="x"
        )
        notify.team_news_recorded([record])
    incident.is_private = True
    incident.save(update_fields=["is_private"])

    deliver_chat_message(delivery_id=ChatDelivery.objects.get().pk)

    assert slack.posted_to(channel) == []
    assert ChatDelivery.objects.get().status == ChatDelivery.Status.SKIPPED


def test_the_channel_gets_the_teams_overdue_items_of_public_incidents_only(
    capture, slack, channel, team, author
):
    public = IncidentFactory(team=team)
    secret = IncidentFactory(team=team, is_private=True)
    ActionItemFactory(
        incident=public, owner=author, title="Rotate keys", due_date=WEDNESDAY - timedelta(days=1)
    )
    ActionItemFactory(
        incident=secret, owner=author, title="Secret fix", due_date=WEDNESDAY - timedelta(days=1)
    )

    sweep(capture)

    posted = slack.posted_to(channel)
    assert len(posted) == 1
    assert "Rotate keys" in posted[0] and "1 overdue action item of Payments" in posted[0]
    assert "Secret fix" not in posted[0]


def test_no_dm_about_an_incident_the_recipient_may_no_longer_see(
    capture, slack, ana_in_slack, author, unnudged
):
    other_team = TeamFactory(name="Security")
    incident = IncidentFactory(team=other_team, title="Quiet one")
    choose(author, notifications=Via.CHAT)
    notify_comment(capture, incident, author, UserFactory())
    incident.is_private = True  # now only Security may see it; Ana is not in it
    incident.save(update_fields=["is_private"])

    deliver_chat_message(delivery_id=ChatDelivery.objects.get().pk)

    assert slack.posted == []
    assert ChatDelivery.objects.get().status == ChatDelivery.Status.SKIPPED


def test_a_reminder_dm_leaves_out_items_of_incidents_hidden_from_the_owner(
    capture, slack, ana_in_slack, author
):
    hidden = IncidentFactory(team=TeamFactory(name="Security"), is_private=True)
    visible = IncidentFactory()
    ActionItemFactory(incident=visible, owner=author, title="Seen item", due_date=WEDNESDAY)
    ActionItemFactory(incident=hidden, owner=author, title="Hidden item", due_date=WEDNESDAY)
    choose(author, reminders=Via.CHAT)

    sweep(capture)

    (posted,) = slack.posted_to(ana_in_slack)
    assert "Seen item" in posted and "Hidden item" not in posted


# Pages.


def test_chat_is_offered_only_once_linked_and_errors_keep_the_input(client, connection, author):
    client.force_login(author)
    url = reverse("chat:notify_settings")

    page = client.get(url).content.decode()
    assert "Find me in chat by my e-mail" in page
    assert 'value="chat"' not in page

    response = client.post(url, {"reminders": "chat", "notifications": "email"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ChatNotifyChoice.objects.exists()


def test_finding_oneself_in_chat_by_email_links_and_offers_chat(client, slack, connection, author):
    slack.add_user("UANA", "Ana", "ana@example.com")
    client.force_login(author)

    response = client.post(reverse("chat:notify_link"), follow=True)

    assert "Acme Slack: you are Ana." in response.content.decode()
    assert ChatUserLink.objects.get(user=author).chat_user_id == "UANA"
    response = client.post(
        reverse("chat:notify_settings"), {"reminders": "both", "notifications": "bogus"}
    )
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert 'value="both" required id="id_reminders_2" checked' in page  # kept
    client.post(reverse("chat:notify_settings"), {"reminders": "both", "notifications": "chat"})
    choice = ChatNotifyChoice.objects.get(user=author)
    assert (choice.reminders, choice.notifications) == ("both", "chat")


def test_a_manager_sets_the_team_channel_and_the_form_asks_for_one(client, slack, connection):
    channel_id = slack.add_channel("payments-alerts")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("chat:notify_channel", args=[connection.pk])

    response = client.post(url, {"notify_channel_id": "", "notify_reminders": "on"})
    assert "Pick the channel to post in" in response.content.decode()

    client.post(url, {"notify_channel_id": channel_id, "notify_notifications": "on"})
    connection.refresh_from_db()
    assert connection.notify_channel_id == channel_id
    assert connection.notify_channel_name == "payments-alerts"
    assert connection.notify_notifications and not connection.notify_reminders


def test_the_channel_page_lists_messages_in_fixed_queries(
    client, slack, connection, django_assert_max_num_queries
):
    people = UserFactory.create_batch(3)
    for person in people:
        ChatDelivery.objects.create(
            connection=connection, kind=ChatDelivery.Kind.NOTIFICATION, recipient=person,
            chat_user_id="U1", status=ChatDelivery.Status.FAILED, last_error="Slack says no",
        )  # fmt: skip
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    with django_assert_max_num_queries(12):
        page = client.get(reverse("chat:notify_channel", args=[connection.pk])).content.decode()

    assert page.count("Slack says no") == 3
    assert all(str(person) in page for person in people)


def test_reminder_rows_of_chat_only_people_are_skipped_not_emailed(
    capture, mailoutbox, slack, ana_in_slack, author, incident
):
    ActionItemFactory(incident=incident, owner=author, due_date=WEDNESDAY)
    choose(author, reminders=Via.CHAT)

    sweep(capture)

    assert ReminderDelivery.objects.get().status == ReminderDelivery.Status.SKIPPED
    assert mailoutbox == []
