from datetime import date, timedelta

import pytest
from django.core.management import call_command

from incidents.models import ActionItem, Incident, User
from postmortems.demo import EXAMPLE_MEASURES, EXAMPLE_TIMELINE, EXAMPLE_TITLE, load_demo

pytestmark = pytest.mark.django_db


def test_loaddemo_enters_the_example_postmortem_as_structured_data():
    today = date(2026, 11, 25)
    incident = load_demo(today=today).example

    assert incident.title == EXAMPLE_TITLE
    assert incident.duration == timedelta(hours=4)
    local_start = incident.local(incident.started_at)
    local_end = incident.local(incident.resolved_at)
    assert (local_start.hour, local_start.minute) == (9, 0)
    assert (local_end.hour, local_end.minute) == (13, 0)
    assert local_start.utcoffset() == timedelta(hours=2)

    events = list(incident.timeline_events.all())
    assert [incident.local(e.occurred_at).strftime("%H:%M") for e in events] == [
        f"{hour:02d}:{minute:02d}" for hour, minute, *_ in EXAMPLE_TIMELINE
    ]
    assert any(e.is_dead_end and "server overload" in e.description for e in events)
    root = incident.causes.get()
    assert root.is_root and "misconfiguration" in root.description

    items = list(incident.action_items.order_by("position"))
    assert [i.title for i in items] == [m[0] for m in EXAMPLE_MEASURES]
    assert all(i.owner and i.due_date for i in items)
    assert incident.action_items.overdue(today).count() >= 2
    assert incident.postmortem.section_body("resolution").startswith("The root cause")


def test_loaddemo_is_safe_to_run_twice(capsys):
    call_command("loaddemo")
    counts = (User.objects.count(), Incident.objects.count(), ActionItem.objects.count())
    call_command("loaddemo")
    assert (User.objects.count(), Incident.objects.count(), ActionItem.objects.count()) == counts
    assert "alice / postmortems-demo" in capsys.readouterr().out


def test_demo_user_can_log_in(client):
    load_demo(today=date(2026, 11, 25))
    response = client.post(
        "/login/", {"username": "alice", "password": "postmortems-demo"}, follow=True
    )
    assert response.context["user"].username == "alice"
    assert EXAMPLE_TITLE in response.content.decode()
