"""Notices of an action item given at its creation, and of a comment thread resolved."""

import pytest
from django.core import mail
from django.urls import reverse

from incidents.services import action_item_create
from notifications.models import ASSIGNED, Notification
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def _told(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", "text"))


def _item(incident, owner) -> dict:
    return {"title": "Write the runbook", "kind": "prevent", "priority": "P2", "owner": owner}


def test_an_owner_given_an_item_when_it_is_created_finds_it_in_the_inbox(after_commit):
    commander = UserFactory(username="commander", first_name="Cora", last_name="Commander")
    owner = UserFactory(username="owner")
    incident = IncidentFactory(commander=commander, title="Checkout down")
    mail.outbox.clear()
    item = after_commit(
        action_item_create, incident=incident, actor=commander, data=_item(incident, owner)
    )
    assert _told(owner) == [
        (
            ASSIGNED,
            f"Cora Commander assigned you Write the runbook on {incident.reference} Checkout down",
        )
    ]
    notice = Notification.objects.get(recipient=owner)
    assert notice.url.endswith(f"#action-item-{item.pk}")
    # One e-mail: the assignment notice, not a second one from the inbox.
    assert [m.subject for m in mail.outbox] == ["Action item assigned to you: Write the runbook"]


def test_an_item_one_creates_for_oneself_or_for_nobody_tells_nobody(after_commit):
    commander = UserFactory()
    incident = IncidentFactory(commander=commander)
    after_commit(
        action_item_create, incident=incident, actor=commander, data=_item(incident, commander)
    )
    after_commit(action_item_create, incident=incident, actor=commander, data=_item(incident, None))
    assert not Notification.objects.exists()


def test_the_owner_sees_the_new_item_in_the_inbox_page(after_commit, client):
    commander = UserFactory()
    owner = UserFactory()
    incident = IncidentFactory(commander=commander)
    after_commit(
        action_item_create, incident=incident, actor=commander, data=_item(incident, owner)
    )
    client.force_login(owner)
    assert (
        "assigned you Write the runbook"
        in client.get(reverse("notifications:inbox")).content.decode()
    )
