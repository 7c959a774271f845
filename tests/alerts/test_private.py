"""Private incidents stay private: alerts opening or joining them tell nobody else."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.alerts.helpers import alert_source, alertmanager_alert, post_alert
from tests.factories import IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 5, 9, 12, 3, tzinfo=UTC)


def test_a_source_that_opens_private_incidents_lets_only_its_team_see_them(client, team):
    source, secret = alert_source(team=team, kind="alertmanager", open_private=True)

    post_alert(source, secret, alertmanager_alert(alertname="SecretProjectDown"))

    incident = Incident.objects.get()
    assert incident.is_private and list(incident.allowed_teams.all()) == [team]
    member = team.members.get()
    outsider = UserFactory(username="olga")
    assert Incident.objects.visible_to(member).filter(pk=incident.pk).exists()
    assert not Incident.objects.visible_to(outsider).exists()
    client.force_login(outsider)
    assert "SecretProjectDown" not in client.get(reverse("incidents:list")).content.decode()


def test_an_alert_joining_a_private_incident_says_nothing_about_it(client, team):
    source, secret = alert_source(team=team, kind="alertmanager")
    post_alert(source, secret, alertmanager_alert(starts_at=START))
    incident = Incident.objects.get()
    incident.title = "Breach of the payroll database"
    incident.is_private = True
    incident.save()
    incident.allowed_teams.clear()

    response = post_alert(source, secret, alertmanager_alert(starts_at=START, fingerprint="two"))

    assert response.status_code == 202
    assert response.json() == {"ok": True, "reason": "Taken in.", "new_facts": 1}
    assert incident.timeline_events.count() == 2
    # The team's manager may not see this private incident: its alerts are left out of
    # the source's page, with its title and reference.
    client.force_login(team.manager)
    page = client.get(reverse("alerts:detail", args=[source.pk])).content.decode()
    assert "HighLatency" not in page and incident.reference not in page
    assert "No alert yet that you may see." in page


def test_the_sources_page_lists_alerts_of_incidents_the_manager_may_see(client, team):
    source, secret = alert_source(team=team, kind="alertmanager")
    post_alert(source, secret, alertmanager_alert(alertname="DiskFull"))
    IncidentFactory(title="Unrelated", team=TeamFactory())

    client.force_login(team.manager)
    page = client.get(reverse("alerts:detail", args=[source.pk])).content.decode()

    assert "Triggered: DiskFull" in page
    assert Incident.objects.get(title__startswith="DiskFull").reference in page
