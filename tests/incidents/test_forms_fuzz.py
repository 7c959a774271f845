"""Random text, times and unicode in the authoring forms: saved or refused, never a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import IncidentFactory, UserFactory

TEXT = st.text(max_size=120)
TIMES = st.one_of(
    st.text(max_size=20),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["2026-03-29T02:30", "2026-02-30T10:00", "0001-01-01T00:00", ""]),
)
ZONES = st.sampled_from(["UTC", "Etc/GMT-2", "Europe/Berlin", "Mars/Base", "", "../../etc"])
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.django_db
@FUZZ
@given(title=TEXT, zone=ZONES, started=TIMES, resolved=TIMES, severity=TEXT)
def test_incident_form_never_fails(client, title, zone, started, resolved, severity):
    user = UserFactory(username="form-fuzzer")
    client.force_login(user)
    response = client.post(
        reverse("incidents:create"),
        {
            "title": title,
            "severity": severity,
            "status": "resolved",
            "time_zone": zone,
            "started_at": started,
            "resolved_at": resolved,
            "commander": user.pk,
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert (
            title in response.content.decode()
            or not title.strip()
            or "&" in title
            or "<" in title
            or '"' in title
            or "'" in title
            or ">" in title
        )


@pytest.mark.django_db
@FUZZ
@given(description=TEXT, zone=ZONES, occurred=TIMES, kind=TEXT)
def test_timeline_form_never_fails(client, description, zone, occurred, kind):
    incident = IncidentFactory(commander=UserFactory(username="timeline-fuzzer"))
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": occurred,
            "event-entry_zone": zone,
            "event-kind": kind,
            "event-description": description,
        },
    )
    assert response.status_code in (200, 302)
