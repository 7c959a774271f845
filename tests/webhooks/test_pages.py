"""The webhook pages: only a team's manager sees and changes its endpoints."""

import re

import pytest
from django.urls import reverse

from tests.factories import TeamFactory, UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, team):
    client.force_login(team.manager)
    return client


def test_a_manager_registers_an_endpoint_and_sees_its_secret(manager_client, team):
    response = manager_client.post(
        reverse("webhooks:create"),
        {"team": team.pk, "url": "https://93.184.216.34/hooks",
         "events": ["incident.created", "action_item.done"]},
    )  # fmt: skip

    endpoint = WebhookEndpoint.objects.get()
    assert response.url == endpoint.get_absolute_url()
    assert endpoint.events == ["action_item.done", "incident.created"]
    assert endpoint.created_by == team.manager
    assert endpoint.secret.startswith("whsec_")
    page = manager_client.get(response.url).content.decode()
    assert endpoint.secret in page


def test_an_endpoint_on_a_private_address_is_refused_with_the_reason(
    manager_client, team, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = manager_client.post(
        reverse("webhooks:create"),
        {"team": team.pk, "url": "http://169.254.169.254/latest", "events": ["incident.created"]},
    )

    assert response.status_code == 200
    assert "only sent to public addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_manager_may_only_pick_a_team_they_manage(manager_client, team):
    other = TeamFactory()
    response = manager_client.post(
        reverse("webhooks:create"),
        {"team": other.pk, "url": "https://93.184.216.34/", "events": ["incident.created"]},
    )

    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_only_endpoints_of_teams_the_user_manages(manager_client, make_endpoint):
    mine = make_endpoint(url="https://mine.example.com/")
    make_endpoint(url="https://theirs.example.com/", team=TeamFactory())

    page = manager_client.get(reverse("webhooks:list")).content.decode()

    assert mine.url in page
    assert "theirs.example.com" not in page


def test_the_manager_of_another_team_may_not_see_or_change_an_endpoint(client, make_endpoint):
    endpoint = make_endpoint()
    client.force_login(TeamFactory().manager)

    assert client.get(endpoint.get_absolute_url()).status_code == 403
    assert client.post(reverse("webhooks:toggle", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("webhooks:delete", args=[endpoint.pk])).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_people_who_manage_no_team_get_403(client):
    client.force_login(UserFactory())
    assert client.get(reverse("webhooks:list")).status_code == 403
    assert client.get(reverse("webhooks:create")).status_code == 403


def test_disable_enable_and_delete(manager_client, make_endpoint):
    endpoint = make_endpoint()
    toggle = reverse("webhooks:toggle", args=[endpoint.pk])

    manager_client.post(toggle)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None

    manager_client.post(toggle)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None

    manager_client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_send_again_makes_a_new_delivery_with_the_same_webhook_id(
    manager_client, make_endpoint, django_capture_on_commit_callbacks, monkeypatch
):
    from webhooks import tasks

    nudged = []
    monkeypatch.setattr(tasks, "nudge_deliveries", nudged.extend)
    endpoint = make_endpoint()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="incident.created", payload={"type": "incident.created"},
        status="failed",
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("webhooks:replay", args=[endpoint.pk, delivery.pk]))

    replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (replay.webhook_id, replay.status, replay.replay_of) == (
        delivery.webhook_id,
        "pending",
        delivery,
    )
    assert nudged == [replay.pk]
    page = manager_client.get(endpoint.get_absolute_url()).content.decode()
    assert page.count(f"<code>{delivery.webhook_id}</code>") == 2


def test_the_endpoint_page_has_no_inline_script_or_style(manager_client, make_endpoint):
    endpoint = make_endpoint()
    WebhookDelivery.objects.create(endpoint=endpoint, event_type="incident.created", payload={})
    page = manager_client.get(endpoint.get_absolute_url()).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "style=" not in page
    assert "<style" not in page


def test_managers_find_the_webhooks_from_their_settings(client, team):
    client.force_login(team.manager)
    assert reverse("webhooks:list") in client.get(reverse("incidents:settings")).content.decode()
    client.force_login(UserFactory())
    assert (
        reverse("webhooks:list") not in client.get(reverse("incidents:settings")).content.decode()
    )
