from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from incidents.models import ActionItem, Incident, TimelineEvent
from postmortems.templatetags.postmortem_tags import duration
from tests.factories import ActionItemFactory, IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db


def test_incident_reference_is_inc_and_its_id():
    incident = IncidentFactory()
    assert incident.reference == f"INC-{incident.pk}"


def test_duration_is_measured_between_start_and_resolution():
    incident = IncidentFactory.build(
        started_at=datetime(2026, 5, 1, 9, 0, tzinfo=ZoneInfo("Etc/GMT-2")),
        detected_at=datetime(2026, 5, 1, 9, 5, tzinfo=ZoneInfo("Etc/GMT-2")),
        mitigated_at=datetime(2026, 5, 1, 12, 30, tzinfo=ZoneInfo("Etc/GMT-2")),
        resolved_at=datetime(2026, 5, 1, 13, 0, tzinfo=ZoneInfo("Etc/GMT-2")),
    )
    assert incident.duration == timedelta(hours=4)
    assert incident.time_to_detect == timedelta(minutes=5)
    assert incident.time_to_mitigate == timedelta(hours=3, minutes=30)
    assert incident.time_to_resolve == timedelta(hours=4)
    assert duration(incident.duration) == "4 hours"


def test_duration_counts_real_hours_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    # Clocks went forward at 02:00 on 2026-03-29: 01:00 to 04:00 wall time is 2 real hours.
    incident = IncidentFactory(
        started_at=datetime(2026, 3, 29, 1, 0, tzinfo=berlin),
        detected_at=None,
        mitigated_at=None,
        resolved_at=datetime(2026, 3, 29, 4, 0, tzinfo=berlin),
        time_zone="Europe/Berlin",
    )
    incident.refresh_from_db()
    assert incident.duration == timedelta(hours=2)
    assert incident.started_at.tzinfo == UTC
    assert incident.local(incident.resolved_at).hour == 4


def test_duration_is_none_while_unresolved():
    incident = IncidentFactory.build(status=Incident.Status.MONITORING, resolved_at=None)
    assert incident.duration is None
    assert duration(incident.duration) == "—"


def test_timestamps_out_of_order_are_rejected_on_the_field_that_is_wrong():
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    incident = IncidentFactory.build(started_at=start, detected_at=start - timedelta(minutes=1))
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["commander"])
    assert "detected_at" in error.value.message_dict


def test_resolved_status_needs_a_resolved_time():
    incident = IncidentFactory.build(status=Incident.Status.RESOLVED, resolved_at=None)
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["commander"])
    assert error.value.message_dict["resolved_at"] == [
        "A resolved incident needs the time it was resolved."
    ]


def test_database_refuses_resolved_incident_without_resolved_time():
    with pytest.raises(IntegrityError):
        IncidentFactory(status=Incident.Status.RESOLVED, resolved_at=None)


def test_unknown_time_zone_is_rejected():
    incident = IncidentFactory.build(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["commander"])
    assert "time_zone" in error.value.message_dict


def test_every_severity_has_a_one_line_meaning():
    for value, label in Incident.Severity.choices:
        assert label.startswith(value)
        assert len(label) > len(value) + 10


def test_timeline_events_sort_by_time_then_position():
    incident = IncidentFactory()
    an_hour_later = incident.started_at + timedelta(hours=1)
    late = TimelineEventFactory(incident=incident, occurred_at=an_hour_later)
    second = TimelineEventFactory(incident=incident, occurred_at=incident.started_at, position=2)
    first = TimelineEventFactory(incident=incident, occurred_at=incident.started_at, position=1)
    assert list(incident.timeline_events.all()) == [first, second, late]


def test_timeline_event_days_outside_the_incident_is_rejected():
    incident = IncidentFactory()
    event = TimelineEvent(
        incident=incident,
        occurred_at=incident.resolved_at + timedelta(days=3),
        description="Typo in the date",
    )
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "occurred_at" in error.value.message_dict


def test_completed_at_is_set_and_cleared_with_the_status():
    item = ActionItemFactory()
    assert item.completed_at is None
    item.set_status(ActionItem.Status.DONE)
    item.save()
    assert item.completed_at is not None
    item.set_status(ActionItem.Status.IN_PROGRESS)
    item.save()
    assert item.completed_at is None


def test_open_overdue_and_due_within_querysets():
    today = date(2026, 3, 20)
    overdue = ActionItemFactory(due_date=date(2026, 3, 19))
    due_soon = ActionItemFactory(due_date=date(2026, 3, 23), status=ActionItem.Status.IN_PROGRESS)
    ActionItemFactory(due_date=date(2026, 3, 24))
    done = ActionItemFactory(due_date=date(2026, 3, 1))
    done.set_status(ActionItem.Status.DONE)
    done.save()

    assert list(ActionItem.objects.overdue(today)) == [overdue]
    assert list(ActionItem.objects.due_within(today, 3)) == [due_soon]
    assert overdue.days_overdue(today) == 1
    assert done.days_overdue(today) == 0


def test_started_between_takes_whole_days_in_the_current_time_zone():
    from django.utils import timezone

    just_after_midnight_in_berlin = IncidentFactory(
        started_at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 00:30 on 10 March in Berlin
    )
    late_that_day = IncidentFactory(started_at=datetime(2026, 3, 10, 22, 59, tzinfo=UTC))
    next_day = IncidentFactory(started_at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC))
    with timezone.override("Europe/Berlin"):
        tenth = Incident.objects.started_between(date(2026, 3, 10), date(2026, 3, 10))
        assert set(tenth) == {just_after_midnight_in_berlin, late_that_day}
        assert set(Incident.objects.started_between(start=date(2026, 3, 11))) == {next_day}
        items = ActionItem.objects.of_incidents_started_between(end=date(2026, 3, 9))
        assert not items.exists()
    with timezone.override("UTC"):
        ninth = Incident.objects.started_between(date(2026, 3, 9), date(2026, 3, 9))
        assert set(ninth) == {just_after_midnight_in_berlin}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "Pacific/Honolulu"])
def test_started_between_the_ends_of_the_calendar_excludes_nothing(zone):
    from django.utils import timezone

    incident = IncidentFactory()
    with timezone.override(zone):
        assert list(Incident.objects.started_between(date.min, date.max)) == [incident]
        assert list(Incident.objects.started_between(date.min + timedelta(1), None)) == [incident]
        assert list(Incident.objects.started_between(None, date.max - timedelta(1))) == [incident]
