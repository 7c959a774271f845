"""Managers configure their teams' alert sources: the secret is shown once, then never."""

import pytest
from django.urls import reverse

from alerts.models import AlertServiceRule, AlertSource
from tests.alerts.helpers import alert_source, alertmanager_alert, post_alert
from tests.factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _create(client, team, **data):
    form = {"team": team.pk, "kind": "alertmanager", "name": "Prod Alertmanager",
            "severity": "SEV2", "service_label": "service", **data}  # fmt: skip
    return client.post(reverse("alerts:create"), form, follow=True)


def test_a_manager_adds_a_source_and_sees_its_secret_once(client, team):
    client.force_login(team.manager)

    response = _create(client, team)

    assert response.status_code == 200
    source = AlertSource.objects.get()
    page = response.content.decode()
    assert "Copy the secret now" in page and source.secret in page
    assert str(source.uuid) in page  # the URL to give the sender
    assert source.secret not in source.secret_encrypted  # stored encrypted
    again = client.get(reverse("alerts:detail", args=[source.pk])).content.decode()
    assert source.secret not in again and "Copy the secret now" not in again


def test_the_secret_shown_is_the_one_that_works(client, team):
    client.force_login(team.manager)
    _create(client, team)
    source = AlertSource.objects.get()
    shown = source.secret

    assert post_alert(source, shown, alertmanager_alert()).status_code == 202


def test_a_new_secret_is_shown_once_and_the_old_one_works_for_a_day(client, team, settings):
    source, old = alert_source(team=team, kind="alertmanager")
    client.force_login(team.manager)

    response = client.post(reverse("alerts:new_secret", args=[source.pk]), follow=True)

    source.refresh_from_db()
    assert source.secret != old and source.secret in response.content.decode()
    assert post_alert(source, source.secret, alertmanager_alert()).status_code == 202
    assert post_alert(source, old, alertmanager_alert(alertname="B")).status_code == 202
    AlertSource.objects.filter(pk=source.pk).update(previous_secret_until=source.created_at)
    source.refresh_from_db()
    assert post_alert(source, old, alertmanager_alert(alertname="C")).status_code == 403


def test_a_pagerduty_source_needs_the_secret_pagerduty_made_and_never_shows_it(client, team):
    client.force_login(team.manager)

    refused = _create(client, team, kind="pagerduty")
    taken = _create(client, team, kind="pagerduty", signing_secret="pd-made-this")

    assert "Paste the signing secret PagerDuty showed" in refused.content.decode()
    source = AlertSource.objects.get()
    assert source.secret == "pd-made-this"
    assert "pd-made-this" not in taken.content.decode()


def test_a_manager_of_another_team_may_not_see_or_change_the_source(client, team):
    source, _ = alert_source(team=team, kind="alertmanager")
    other = TeamFactory(manager=UserFactory(username="otto"))
    client.force_login(other.manager)

    assert client.get(reverse("alerts:detail", args=[source.pk])).status_code == 403
    assert client.post(reverse("alerts:new_secret", args=[source.pk])).status_code == 403
    assert client.post(reverse("alerts:delete", args=[source.pk])).status_code == 403
    # Nor add one for a team that is not theirs.
    assert _create(client, team).status_code == 200
    assert AlertSource.objects.count() == 1


def test_a_member_who_manages_no_team_gets_403(client, team):
    client.force_login(team.members.get())

    assert client.get(reverse("alerts:list")).status_code == 403


def test_the_manager_maps_a_sender_name_to_a_service_once(client, team):
    source, _ = alert_source(team=team, kind="opsgenie")
    service = ServiceFactory(name="payments", team=team)
    client.force_login(team.manager)
    url = reverse("alerts:rule_create", args=[source.pk])

    client.post(url, {"sender_name": "pay-api", "service": service.pk})
    client.post(url, {"sender_name": "PAY-API", "service": service.pk})

    rule = AlertServiceRule.objects.get()
    assert (rule.sender_name, rule.service) == ("pay-api", service)
    client.post(reverse("alerts:rule_delete", args=[source.pk, rule.pk]))
    assert not AlertServiceRule.objects.exists()


def test_the_list_shows_the_managers_sources_in_a_few_queries(
    client, team, django_assert_max_num_queries
):
    for n in range(5):
        alert_source(team=team, kind="grafana", name=f"Grafana {n}")
    alert_source(team=TeamFactory(), kind="grafana", name="Not mine")
    client.force_login(team.manager)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("alerts:list")).content.decode()

    assert page.count("Grafana alerting") == 5 and "Not mine" not in page


def test_the_detail_page_needs_a_few_queries_whatever_came_in(
    client, team, django_assert_max_num_queries
):
    source, secret = alert_source(team=team, kind="alertmanager")
    for n in range(6):
        post_alert(source, secret, alertmanager_alert(alertname=f"Alert{n}"))
    client.force_login(team.manager)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("alerts:detail", args=[source.pk])).content.decode()

    assert page.count("Triggered: Alert") == 6
