"""Notices of an action item given at its creation, and of a comment thread resolved."""

import pytest
from django.core import mail
from django.urls import reverse

from incidents.services import action_item_create
from notifications.models import ASSIGNED, Kind, Notification
from notifications.services import preferences_save
from postmortems.collaboration import comments
from tests.factories import IncidentFactory, PostmortemFactory, UserFactory

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


def test_resolving_a_thread_tells_its_author_and_repliers_but_not_the_resolver(
    after_commit, client
):
    author = UserFactory(username="author", first_name="Ann", last_name="Author")
    replier = UserFactory(username="replier")
    resolver = UserFactory(username="resolver", first_name="Rae", last_name="Resolver")
    bystander = UserFactory(username="bystander")
    postmortem = PostmortemFactory(authors=[author], incident__title="Checkout down")
    first = after_commit(
        comments.thread_start, postmortem=postmortem, actor=author, section="timeline", body="Why?"
    )
    thread = first.thread
    after_commit(comments.comment_reply, thread=thread, actor=replier, body="Because.")
    after_commit(comments.comment_reply, thread=thread, actor=resolver, body="Fixed it.")
    Notification.objects.all().delete()
    mail.outbox.clear()

    after_commit(comments.thread_resolve, thread=thread, actor=resolver)

    text = (
        "Rae Resolver resolved a thread you took part in on the timeline section of "
        f"{postmortem.incident.reference} Checkout down"
    )
    assert _told(author) == [(Kind.THREAD_RESOLVED, text)]
    assert _told(replier) == [(Kind.THREAD_RESOLVED, text)]
    assert _told(resolver) == [] and _told(bystander) == []
    notice = Notification.objects.get(recipient=author)
    assert notice.url.endswith(f"#thread-{thread.pk}")
    # Their digest e-mail says it too, by default.
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "author@example.com",
        "replier@example.com",
    ]
    client.force_login(author)
    assert (
        "resolved a thread you took part in"
        in client.get(reverse("notifications:inbox")).content.decode()
    )


def test_resolving_follows_each_persons_choice_of_inbox_and_email(after_commit):
    author, resolver = UserFactory(), UserFactory()
    postmortem = PostmortemFactory(authors=[author])
    first = after_commit(
        comments.thread_start, postmortem=postmortem, actor=author, section="timeline", body="?"
    )
    preferences_save(user=author, choices={Kind.THREAD_RESOLVED: (True, False)})
    mail.outbox.clear()
    after_commit(comments.thread_resolve, thread=first.thread, actor=resolver)
    assert [k for k, _ in _told(author)] == [Kind.THREAD_RESOLVED]
    assert mail.outbox == []
