"""What the review page offers around publishing, and what a published editor link shows."""

import re

import pytest
from django.urls import reverse

from postmortems.models import Postmortem
from tests.factories import PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _publish_button(html: str) -> str:
    match = re.search(r"<button[^>]*>Publish</button>", html)
    assert match, "no Publish button"
    return match.group(0)


def test_publish_is_disabled_with_the_reason_until_this_version_is_approved(client):
    reviewer = UserFactory()
    postmortem = PostmortemFactory(status="in_review", reviewers=[reviewer])
    url = reverse("postmortems:review", args=[postmortem.incident_id])
    client.force_login(reviewer)

    html = client.get(url).content.decode()
    button = _publish_button(html)
    assert "disabled" in button and "primary" not in button
    assert "Publishing needs an approval of this version" in html
    assert reverse("postmortems:publish", args=[postmortem.incident_id]) not in html

    client.post(url, {"decision": "approve", "body": "Good."})
    html = client.get(url).content.decode()
    button = _publish_button(html)
    assert "disabled" not in button and "primary" in button
    assert "Publishing needs an approval" not in html


def test_a_published_postmortem_hides_its_edit_link_and_the_editor_offers_to_reopen(client):
    author = UserFactory()
    postmortem = PostmortemFactory(status="published", authors=[author])
    pk = postmortem.incident_id
    client.force_login(author)

    review = client.get(reverse("postmortems:review", args=[pk])).content.decode()
    assert reverse("postmortems:edit", args=[pk]) not in review
    assert "Reopen for editing" in review

    response = client.get(reverse("postmortems:edit", args=[pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "This postmortem is published" in html
    assert reverse("postmortems:reopen", args=[pk]) in html
    assert reverse("postmortems:document", args=[pk]) in html
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.PUBLISHED


def test_someone_who_may_not_reopen_is_told_who_can_and_offered_no_form(logged_in_client):
    postmortem = PostmortemFactory(status="published")
    pk = postmortem.incident_id
    response = logged_in_client.get(reverse("postmortems:edit", args=[pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "ask one of them" in html
    assert reverse("postmortems:reopen", args=[pk]) not in html
