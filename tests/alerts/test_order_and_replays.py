"""Deliveries come twice, late and out of order: each fact changes things once, in its time."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from alerts.models import AlertEvent, AlertLink
from core.models import ChangeRecord
from incidents.models import Incident, TimelineEvent
from postmortems.models import Postmortem
from tests.alerts.helpers import alert_source, alertmanager_alert, payload, post_alert

pytestmark = pytest.mark.django_db

PAGERDUTY = ["triggered", "acknowledged", "escalated", "resolved"]
START = datetime(2024, 3, 5, 9, 12, 3, tzinfo=UTC)


def _state() -> tuple:
    incident = Incident.objects.get()
    entries = sorted((e.kind, e.occurred_at) for e in incident.timeline_events.all())
    return entries, incident.detected_at, incident.mitigated_at, incident.started_at


def test_a_replayed_delivery_changes_nothing(team):
    source, secret = alert_source(team=team, kind="pagerduty")
    for name in PAGERDUTY:
        post_alert(source, secret, payload(f"pagerduty_incident_{name}"))
    before = _state()
    records = ChangeRecord.objects.count()

    replays = [post_alert(source, secret, payload(f"pagerduty_incident_{n}")) for n in PAGERDUTY]

    assert [r.json()["new_facts"] for r in replays] == [0, 0, 0, 0]
    assert _state() == before
    assert ChangeRecord.objects.count() == records  # not even a history entry
    assert Incident.objects.count() == 1 and TimelineEvent.objects.count() == 4


@pytest.mark.parametrize("order", list(itertools.permutations(PAGERDUTY))[::5])
def test_pagerduty_events_in_any_order_make_the_same_incident(team, order):
    source, secret = alert_source(team=team, kind="pagerduty")

    for name in order:
        assert post_alert(source, secret, payload(f"pagerduty_incident_{name}")).status_code == 202

    entries, detected, mitigated, _ = _state()
    assert [kind for kind, _ in entries] == sorted(
        ["detection", "investigation", "escalation", "mitigation"]
    )
    assert detected == datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC)
    assert mitigated == datetime(2020, 4, 9, 15, 48, 10, tzinfo=UTC)


def test_an_acknowledgement_before_the_trigger_still_puts_the_trigger_first(team):
    source, secret = alert_source(team=team, kind="pagerduty")

    first = post_alert(source, secret, payload("pagerduty_incident_acknowledged"))
    late = post_alert(source, secret, payload("pagerduty_incident_triggered"))

    # The acknowledgement told when the incident was created: the trigger was written then.
    assert (first.json()["new_facts"], late.json()["new_facts"]) == (2, 0)
    incident = Incident.objects.get()
    kinds = list(incident.timeline_events.order_by("occurred_at").values_list("kind", flat=True))
    assert kinds == ["detection", "investigation"]


def test_alertmanager_resolved_before_firing_and_repeats_change_nothing_twice(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    ended = START + timedelta(minutes=20)
    resolved = alertmanager_alert(status="resolved", starts_at=START, ends_at=ended)
    firing = alertmanager_alert(starts_at=START)

    post_alert(source, secret, resolved)
    post_alert(source, secret, firing)  # late
    post_alert(source, secret, firing)  # Alertmanager's repeat_interval
    post_alert(source, secret, resolved)

    entries, detected, mitigated, _ = _state()
    assert entries == [("detection", START), ("mitigation", ended)]
    assert (detected, mitigated) == (START, ended)


def test_a_firing_alert_with_the_same_group_joins_the_open_incident(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    key = '{}:{alertname="HighLatency"}'
    post_alert(source, secret, alertmanager_alert(starts_at=START, group_key=key))

    # Another instance of the group, and one that began earlier (told later).
    later = START + timedelta(minutes=3)
    earlier = START - timedelta(minutes=2)
    post_alert(source, secret, alertmanager_alert(starts_at=later, group_key=key, fingerprint="b"))
    post_alert(
        source, secret, alertmanager_alert(starts_at=earlier, group_key=key, fingerprint="c")
    )

    incident = Incident.objects.get()
    assert incident.timeline_events.count() == 3
    # Detection is the group's first alert, whenever it was told.
    assert incident.detected_at == earlier and incident.started_at == earlier
    assert AlertLink.objects.get().incident == incident


def test_another_group_opens_another_incident(team):
    source, secret = alert_source(team=team, kind="alertmanager")

    post_alert(source, secret, alertmanager_alert(alertname="HighLatency"))
    post_alert(source, secret, alertmanager_alert(alertname="DiskFull"))

    assert Incident.objects.count() == 2


def test_after_the_incident_is_resolved_a_new_alert_of_the_group_opens_a_new_one(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    post_alert(source, secret, alertmanager_alert(starts_at=START))
    first = Incident.objects.get()
    Incident.objects.filter(pk=first.pk).update(
        status=Incident.Status.RESOLVED, resolved_at=START + timedelta(hours=1)
    )

    next_day = START + timedelta(days=1)
    post_alert(source, secret, alertmanager_alert(starts_at=next_day, fingerprint="again"))
    # A late resolution of the first alert still goes to the first incident.
    post_alert(
        source,
        secret,
        alertmanager_alert(
            status="resolved", starts_at=START, ends_at=START + timedelta(minutes=30)
        ),
    )

    second = Incident.objects.exclude(pk=first.pk).get()
    assert second.detected_at == next_day
    assert first.timeline_events.count() == 2 and second.timeline_events.count() == 1


def test_a_published_postmortem_keeps_its_timeline_and_the_fact_says_why(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    post_alert(source, secret, alertmanager_alert(starts_at=START))
    incident = Incident.objects.get()
    Postmortem.objects.filter(incident=incident).update(status=Postmortem.Status.PUBLISHED)

    ended = START + timedelta(minutes=20)
    response = post_alert(
        source, secret, alertmanager_alert(status="resolved", starts_at=START, ends_at=ended)
    )

    assert response.status_code == 202
    assert incident.timeline_events.count() == 1
    fact = AlertEvent.objects.get(action="resolved")
    assert "published" in fact.note and fact.timeline_event is None


def test_a_deleted_incident_is_not_opened_again_by_a_replay(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    post_alert(source, secret, alertmanager_alert(starts_at=START))
    Incident.objects.get().delete()

    response = post_alert(source, secret, alertmanager_alert(starts_at=START))

    assert response.json()["new_facts"] == 0
    assert not Incident.objects.exists()
