import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from incidents import reminders, tasks
from incidents.models import ActionItem, ReminderDelivery, User
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 18)
MONDAY = date(2026, 3, 16)


def sweep(day, capture):
    with capture(execute=True):
        tasks.send_reminders_sweep(day.isoformat())


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_each_owner_gets_one_digest_of_overdue_and_due_soon_items(capture, mailoutbox):
    owner = UserFactory(username="owner")
    overdue = ActionItemFactory(owner=owner, title="Rotate keys", due_date=WEDNESDAY - timedelta(2))
    soon = ActionItemFactory(owner=owner, title="Add alert", due_date=WEDNESDAY + timedelta(3))
    ActionItemFactory(owner=owner, title="Later work", due_date=WEDNESDAY + timedelta(4))
    done = ActionItemFactory(owner=owner, title="Finished work", due_date=WEDNESDAY)
    done.set_status(ActionItem.Status.DONE)
    done.save()

    sweep(WEDNESDAY, capture)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["owner@example.com"]
    assert message.subject == "1 overdue, 2 in all: your open action items"
    assert "Rotate keys" in message.body and "Add alert" in message.body
    assert "2 days overdue" in message.body
    assert overdue.incident.reference in message.body
    assert f"http://testserver/incidents/{soon.incident.pk}/#action-item-{soon.pk}" in message.body
    assert "Later work" not in message.body and "Finished work" not in message.body
    html = message.alternatives[0][0]
    assert "Rotate keys" in html
    assert html.count("<td>Open</td>") == 2  # each item's status, as in the plain text
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/")


def test_running_the_sweep_twice_on_a_day_sends_nothing_the_second_time(capture, mailoutbox):
    ActionItemFactory(due_date=WEDNESDAY)
    sweep(WEDNESDAY, capture)
    sweep(WEDNESDAY, capture)
    assert len(mailoutbox) == 1
    assert ReminderDelivery.objects.get().status == ReminderDelivery.Status.SENT


def test_no_email_to_inactive_users_users_without_address_or_who_opted_out(capture, mailoutbox):
    ActionItemFactory(owner=UserFactory(is_active=False), due_date=WEDNESDAY)
    ActionItemFactory(owner=UserFactory(email=""), due_date=WEDNESDAY)
    never = UserFactory(reminder_frequency=User.ReminderFrequency.NEVER)
    ActionItemFactory(owner=never, due_date=WEDNESDAY)
    sweep(WEDNESDAY, capture)
    assert mailoutbox == []


def test_weekly_preference_gets_reminders_on_mondays_only(capture, mailoutbox):
    weekly = UserFactory(username="weekly", reminder_frequency=User.ReminderFrequency.WEEKLY)
    ActionItemFactory(owner=weekly, due_date=MONDAY)
    sweep(MONDAY + timedelta(days=1), capture)
    assert mailoutbox == []
    sweep(MONDAY + timedelta(days=7), capture)
    assert [m.to for m in mailoutbox] == [["weekly@example.com"]]


def test_badly_overdue_items_escalate_to_the_owners_team_manager(capture, mailoutbox):
    manager = UserFactory(username="boss")
    owner = UserFactory(username="slow")
    TeamFactory(manager=manager, members=[owner])
    ActionItemFactory(owner=owner, title="Ancient item", due_date=WEDNESDAY - timedelta(8))
    ActionItemFactory(owner=owner, title="Recent item", due_date=WEDNESDAY - timedelta(7))

    sweep(WEDNESDAY, capture)

    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {"slow@example.com", "boss@example.com"}
    escalation = by_recipient["boss@example.com"]
    assert escalation.subject == "1 action item more than 7 days overdue"
    assert "Ancient item" in escalation.body and "Recent item" not in escalation.body
    assert "8 days overdue" in escalation.body


def test_escalation_goes_to_the_commander_when_the_owner_has_no_team_manager(capture, mailoutbox):
    commander = UserFactory(username="commander")
    incident = IncidentFactory(commander=commander)
    ActionItemFactory(incident=incident, due_date=WEDNESDAY - timedelta(30))
    sweep(WEDNESDAY, capture)
    assert "commander@example.com" in [m.to[0] for m in mailoutbox]


def test_the_reminder_day_is_taken_in_the_reminder_time_zone(settings):
    settings.CELERY_TIMEZONE = "Pacific/Auckland"
    # 20:00 UTC on the 17th is already 09:00 on the 18th in Auckland.
    assert reminders.reminder_today(datetime(2026, 3, 17, 20, 0, tzinfo=UTC)) == WEDNESDAY
    settings.CELERY_TIMEZONE = "America/Los_Angeles"
    assert reminders.reminder_today(datetime(2026, 3, 18, 5, 0, tzinfo=UTC)) == date(2026, 3, 17)


def test_smtp_failure_retries_then_sends_once(capture, mailoutbox, monkeypatch):
    ActionItemFactory(due_date=WEDNESDAY)
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    failures = iter([smtplib.SMTPServerDisconnected("down"), OSError("refused")])

    def flaky_send(self, messages):
        error = next(failures, None)
        if error:
            raise error
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky_send)
    sweep(WEDNESDAY, capture)

    assert len(mailoutbox) == 1
    delivery = ReminderDelivery.objects.get()
    assert delivery.status == ReminderDelivery.Status.SENT
    assert delivery.attempts == 3


def test_smtp_failure_after_the_last_try_is_marked_failed_not_dropped(
    capture, mailoutbox, monkeypatch, settings, caplog
):
    ActionItemFactory(due_date=WEDNESDAY)
    from django.core.mail.backends.locmem import EmailBackend

    def always_down(self, messages):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(EmailBackend, "send_messages", always_down)
    sweep(WEDNESDAY, capture)

    delivery = ReminderDelivery.objects.get()
    assert delivery.status == ReminderDelivery.Status.FAILED
    assert "down" in delivery.last_error
    assert f"reminder delivery {delivery.pk} failed for good" in caplog.text
    assert mailoutbox == []


def test_a_claimed_delivery_is_not_sent_by_a_second_worker():
    delivery = ReminderDelivery.objects.create(
        recipient=UserFactory(), kind="digest", for_date=WEDNESDAY, item_ids=[]
    )
    assert reminders.claim_delivery(delivery.pk) is not None
    assert reminders.claim_delivery(delivery.pk) is None


def test_a_stale_claim_of_a_dead_worker_is_claimed_again(settings):
    settings.DELIVERY_CLAIM_STALE_SECONDS = 60
    delivery = ReminderDelivery.objects.create(
        recipient=UserFactory(), kind="digest", for_date=WEDNESDAY, item_ids=[]
    )
    reminders.claim_delivery(delivery.pk)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        claimed_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert reminders.claim_delivery(delivery.pk).attempts == 2


def test_a_resent_delivery_carries_the_same_message_id(mailoutbox):
    # A worker that dies between the SMTP server's "250 OK" and marking the row sent leaves
    # a stale claim that is sent again; the fixed Message-ID lets mail systems drop the copy.
    item = ActionItemFactory(due_date=WEDNESDAY)
    delivery = ReminderDelivery.objects.create(
        recipient=item.owner, kind="digest", for_date=WEDNESDAY, item_ids=[item.pk]
    )
    for _ in range(2):
        ReminderDelivery.objects.filter(pk=delivery.pk).update(status="pending")
        reminders.send_claimed_delivery(reminders.claim_delivery(delivery.pk))

    assert len(mailoutbox) == 2
    first, second = (message.message()["Message-ID"] for message in mailoutbox)
    assert first == second == f"<postmortems-delivery-{delivery.pk}@testserver>"


def test_planning_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for index in range(30):
        owner = UserFactory(username=f"owner{index}")
        TeamFactory(members=[owner])
        ActionItemFactory.create_batch(3, owner=owner, due_date=WEDNESDAY - timedelta(9))
    with django_assert_max_num_queries(3):
        plan = reminders.plan_sweep(WEDNESDAY)
    assert len(plan.digests) == 30
    assert len(plan.escalations) == 30


def test_new_owner_gets_an_assignment_email_after_commit(capture, mailoutbox):
    from incidents.services import action_item_update

    item = ActionItemFactory(title="Write the runbook", due_date=WEDNESDAY)
    new_owner = UserFactory(username="newbie")
    with capture(execute=True):
        action_item_update(item=item, actor=item.owner, data={"owner": new_owner})
        assert mailoutbox == []
    assert [m.to for m in mailoutbox] == [["newbie@example.com"]]
    assert mailoutbox[0].subject == "Action item assigned to you: Write the runbook"


def test_unsubscribe_link_works_without_logging_in(capture, mailoutbox, client):
    owner = UserFactory(username="leaver")
    ActionItemFactory(owner=owner, due_date=WEDNESDAY)
    sweep(WEDNESDAY, capture)
    link = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://testserver")

    assert "Stop reminder emails?" in client.get(path).content.decode()
    response = client.post(path)  # one-click, as a mail client sends it
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.reminder_frequency == User.ReminderFrequency.NEVER


def test_a_tampered_unsubscribe_link_is_refused(client):
    owner = UserFactory()
    from incidents.emails import unsubscribe_token

    response = client.post(f"/incidents/unsubscribe/{unsubscribe_token(owner)}x/")
    assert response.status_code == 404


def test_settings_page_saves_the_reminder_preference(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/incidents/settings/",
        {"email": user.email, "time_zone": "Europe/Berlin", "reminder_frequency": "weekly"},
        follow=True,
    )
    assert "Your settings are saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.time_zone, user.reminder_frequency) == ("Europe/Berlin", "weekly")


def test_settings_page_keeps_input_and_names_a_bad_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/incidents/settings/",
        {"email": user.email, "time_zone": "Mars/Base", "reminder_frequency": "weekly"},
    )
    body = response.content.decode()
    assert "Mars/Base is not a known time zone" in body
    assert 'value="Mars/Base"' in body
    assert '<option value="Europe/Berlin">' in body  # names to pick from as one types


def test_send_reminders_dry_run_prints_and_sends_nothing(capsys, mailoutbox):
    ActionItemFactory(owner=UserFactory(username="dry"), title="Fix it", due_date=WEDNESDAY)
    call_command("send_reminders", "--dry-run", "--date", "2026-03-20")
    out = capsys.readouterr().out
    assert "digest to dry@example.com" in out
    assert "Fix it (2 days overdue)" in out
    assert mailoutbox == []
    assert not ReminderDelivery.objects.exists()


def test_send_reminders_sends_now(mailoutbox, django_capture_on_commit_callbacks):
    ActionItemFactory(due_date=WEDNESDAY)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", "2026-03-18")
    assert len(mailoutbox) == 1
    assert mail.outbox is mailoutbox


def test_beat_runs_the_sweep_daily_at_the_configured_hour():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders-daily"]
    assert entry["task"] == "incidents.tasks.send_reminders_sweep"
    assert entry["schedule"].hour == {settings.REMINDER_HOUR}
    assert entry["schedule"].minute == {0}
