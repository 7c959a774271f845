"""The inbox at /notifications/: listing, unread count, reading, following."""

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from notifications.models import Kind, Notification
from notifications.services import is_following
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notification(recipient, incident=None, **fields) -> Notification:
    incident = incident or IncidentFactory()
    record = ChangeRecord.objects.create(
        incident=incident, action="updated", event="comment.created", object_type="comment"
    )
    defaults = {
        "kind": Kind.COMMENT,
        "text": f"Someone commented on {incident.reference}",
        "url": reverse("postmortems:review", args=[incident.pk]) + "#comment-1",
    }
    return Notification.objects.create(
        recipient=recipient, incident=incident, record=record, **(defaults | fields)
    )


def test_the_inbox_lists_ones_own_notifications_newest_first(client):
    bob = UserFactory()
    old = _notification(bob, text="Older news")
    new = _notification(bob, text="Newer news")
    _notification(UserFactory(), text="Someone else's news")
    client.force_login(bob)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert page.index(new.text) < page.index(old.text)
    assert "Someone else&#x27;s news" not in page and "Someone else's news" not in page


def test_the_unread_count_goes_down_when_one_is_opened_and_when_all_are_read(client):
    bob = UserFactory()
    first, _, _ = (_notification(bob) for _ in range(3))
    client.force_login(bob)
    count = reverse("notifications:unread_count")
    assert client.get(count).json() == {"unread": 3}
    response = client.get(reverse("notifications:open", args=[first.pk]))
    assert response.url == first.url
    assert client.get(count).json() == {"unread": 2}
    client.post(reverse("notifications:mark_read"), {"all": "1"})
    assert client.get(count).json() == {"unread": 0}
    client.post(reverse("notifications:mark_read"), {"unread": first.pk})
    assert client.get(count).json() == {"unread": 1}


def test_someone_elses_notification_is_not_found(client):
    theirs = _notification(UserFactory())
    client.force_login(UserFactory())
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404


def test_a_notification_of_an_incident_made_private_since_is_hidden(client):
    bob = UserFactory()
    incident = IncidentFactory()
    _notification(bob, incident=incident, text="About a now secret incident")
    incident.is_private = True
    incident.save()
    client.force_login(bob)
    assert (
        "About a now secret incident"
        not in client.get(reverse("notifications:inbox")).content.decode()
    )
    assert client.get(reverse("notifications:unread_count")).json() == {"unread": 0}


def test_the_inbox_queries_do_not_grow_with_notifications(client, django_assert_max_num_queries):
    bob = UserFactory()
    _notification(bob)
    client.force_login(bob)
    url = reverse("notifications:inbox")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(30):
        _notification(bob, actor=UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count('class="inbox-item') == 31


def test_follow_and_unfollow_an_incident(client):
    user = UserFactory()
    incident = IncidentFactory()
    client.force_login(user)
    url = reverse("notifications:follow", args=[incident.pk])
    client.post(url)
    assert is_following(user=user, incident=incident)
    client.post(url, {"stop": "1"})
    assert not is_following(user=user, incident=incident)


def test_an_outsider_cannot_follow_a_private_incident(client):
    incident = IncidentFactory(is_private=True)
    client.force_login(UserFactory())
    assert client.post(reverse("notifications:follow", args=[incident.pk])).status_code == 404


def test_the_settings_page_links_to_the_notification_choices(client):
    client.force_login(UserFactory())
    page = client.get(reverse("incidents:settings")).content.decode()
    assert reverse("notifications:preferences") in page
    choices = client.get(reverse("notifications:preferences")).content.decode()
    assert "Mentions of you" in choices and 'name="mention_email"' in choices
