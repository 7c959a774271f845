"""Settings → API tokens: made and shown once, listed, revoked."""

import pytest
from django.urls import reverse

from api.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_then_only_by_its_prefix(client):
    user = UserFactory()
    client.force_login(user)

    made = client.post(
        reverse("tokens:list"), {"name": "deploy bot", "scope": "read_write", "lifetime": "30"}
    )
    secret = made.context["secret"]
    again = client.get(reverse("tokens:list"))

    assert secret.startswith("pmt_") and secret in made.content.decode()
    assert made["Cache-Control"] == "no-store"
    assert secret not in again.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.prefix in again.content.decode() and token.expires_at is not None
    api = client.__class__(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/incidents/").status_code == 200


def test_a_token_without_a_name_is_refused_next_to_its_field(client):
    client.force_login(UserFactory())

    response = client.post(reverse("tokens:list"), {"name": "", "scope": "read"})

    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_nobody_else_may_revoke_it(client):
    owner, other = UserFactory(), UserFactory()
    token, secret = ApiToken.issue(user=owner, name="bot", scope="read")

    client.force_login(other)
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
    client.force_login(owner)
    client.post(reverse("tokens:revoke", args=[token.pk]))

    api = client.__class__(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/incidents/").status_code == 401
