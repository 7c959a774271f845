"""Publishing a postmortem to Confluence: one page, updated in place, exactly once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from confluence import publishing
from confluence.models import ConfluenceConnection, ConfluenceDelivery, ConfluencePage
from core import deliveries, events
from core.models import Delivery
from incidents import services as incident_services
from postmortems import services as postmortem_services
from tests.confluence.conftest import publish
from tests.confluence.fakes import PARENT_ID

pytestmark = pytest.mark.django_db


def owed_unsent(postmortem) -> ConfluenceDelivery:
    """Publish, and let the consumer owe the page, with no worker nudged (a lost message)."""
    publish(postmortem)
    events.handle_pending("confluence")
    return ConfluenceDelivery.objects.get()


def published(postmortem, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return publish(postmortem)


def republish(postmortem, django_capture_on_commit_callbacks):
    postmortem_services.postmortem_reopen(
        postmortem=postmortem, actor=postmortem.reviewers.first(), reason="a typo"
    )
    return published(postmortem, django_capture_on_commit_callbacks)


def test_publishing_makes_one_page_under_the_parent_with_links_back(
    client, manager, connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    [made] = confluence.ours()
    incident = postmortem.incident
    assert made["title"] == f"Postmortem {incident.reference}: Checkout down"
    assert made["parentId"] == PARENT_ID and made["version"]["number"] == 1
    body = made["body"]["storage"]["value"]
    assert f'href="http://testserver/postmortems/{incident.pk}/"' in body
    page = ConfluencePage.objects.get(postmortem=postmortem)
    assert (page.page_id, page.page_version, page.published_version) == (made["id"], 1, 1)
    slug = f"Postmortem+{incident.reference}%3A+Checkout+down"
    assert page.url == f"{confluence.site}/wiki/spaces/ENG/pages/{made['id']}/{slug}"
    assert ConfluenceDelivery.objects.get().status == Delivery.Status.SENT
    client.force_login(manager)
    document = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()
    assert f'href="{page.url}"' in document and "In Confluence" in document


def test_the_page_is_well_formed_xhtml_with_the_timeline_and_items_as_tables(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    body = confluence.ours()[0]["body"]["storage"]["value"]
    root = etree.fromstring(f"<root>{body}</root>".encode())  # raises when not well-formed
    tables = root.findall(".//table")
    heads = {t.findtext("thead/tr/th"): t for t in tables}
    timeline = heads["Time"]
    cells = [td.xpath("string()") for td in timeline.findall("tbody/tr/td")]
    # 09:10 UTC is 10:10 in Berlin (CET) on 10 March 2026.
    assert cells[0] == "2026-03-10 10:10"
    assert cells[2] == "Error rate alert fired & paged"
    assert "<b>&amp; paged</b>" in body  # the author's Markdown (and HTML), escaped as XML
    items = heads["Action item"]
    link = items.find("tbody/tr/td/a")
    item = postmortem.incident.action_items.get()
    assert link.text == "Alert on replica lag"
    assert (
        link.get("href") == f"http://testserver/incidents/{item.incident_id}/#action-item-{item.pk}"
    )
    assert [td.xpath("string()") for td in items.findall("tbody/tr/td")][2] == str(item.owner)
    # The author's Markdown: emphasis kept, <br> closed, the image a link to our copy.
    assert "<em>config</em>" in body and "<br/>" in body
    assert '<a href="http://testserver/media/x.png">chart</a>' in body


def test_republishing_updates_the_same_page_with_the_next_version_number(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    republish(postmortem, django_capture_on_commit_callbacks)
    [made] = confluence.ours()
    assert made["version"]["number"] == 2
    assert made["version"]["message"] == "Version 2 of the postmortem, published in Postmortems"
    page = ConfluencePage.objects.get()
    assert (page.page_version, page.published_version) == (2, 2)
    assert [m for m, p in confluence.requests if m == "POST"] == ["POST"]


def test_an_edit_in_confluence_meanwhile_409_is_read_again_and_written_once_more(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    confluence.edits_before_put = 1
    republish(postmortem, django_capture_on_commit_callbacks)
    # 1 ours, 2 the editor's, 3 ours again.
    assert confluence.ours()[0]["version"]["number"] == 3
    assert ConfluencePage.objects.get().page_version == 3


def test_two_conflicts_in_a_row_fail_with_confluences_reason(
    client, manager, connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    confluence.edits_before_put = 2
    republish(postmortem, django_capture_on_commit_callbacks)
    row = ConfluenceDelivery.objects.order_by("-pk").first()
    assert row.status == Delivery.Status.FAILED
    assert "Version must be incremented on update. Current version is: 3" in row.reason
    client.force_login(manager)
    page = client.get(connection.get_absolute_url()).content.decode()
    assert "Confluence reports a conflict (409)" in page


def test_a_refused_token_401_shows_confluences_reason_on_the_connection_page(
    client, manager, team, confluence, postmortem, django_capture_on_commit_callbacks
):
    from tests.confluence.conftest import make_connection

    connection = make_connection(team, confluence.site, token="revoked-token")
    published(postmortem, django_capture_on_commit_callbacks)
    row = ConfluenceDelivery.objects.get()
    assert row.status == Delivery.Status.FAILED and row.attempts == 1
    assert not confluence.ours()
    client.force_login(manager)
    page = client.get(connection.get_absolute_url()).content.decode()
    assert "Confluence refused the e-mail and API token (401)" in page
    assert "Current user not permitted to use Confluence" in page
    assert "revoked-token" not in page


def test_a_rate_limit_429_waits_as_long_as_retry_after_says_then_publishes(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    confluence.fail_next(
        "POST", "/wiki/api/v2/pages", 429,
        {"errors": [{"status": 429, "code": "TOO_MANY_REQUESTS", "title": "Rate limited"}]},
        {"Retry-After": "120"},
    )  # fmt: skip
    published(postmortem, django_capture_on_commit_callbacks)
    row = ConfluenceDelivery.objects.get()
    assert row.status == Delivery.Status.PENDING
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 100 < wait <= 120
    assert "rate-limiting us (429); waiting for 120 s" in row.reason
    assert not confluence.ours()
    publishing.deliver(row.pk)  # the retry, when it is due
    assert len(confluence.ours()) == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT


def test_a_create_whose_answer_was_lost_finds_its_page_rather_than_making_another(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    confluence.lose_create_answers = 1
    published(postmortem, django_capture_on_commit_callbacks)
    row = ConfluenceDelivery.objects.get()
    assert row.status == Delivery.Status.PENDING  # 502: tried again later
    assert len(confluence.ours()) == 1  # …but Confluence made the page
    publishing.deliver(row.pk)
    [made] = confluence.ours()
    assert made["version"]["number"] == 2
    assert ConfluencePage.objects.get().page_id == made["id"]
    assert [m for m, p in confluence.requests if m == "POST"] == ["POST"]


def test_a_double_click_and_a_repeated_task_publish_once(
    client, manager, connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    owed_unsent(postmortem)
    client.force_login(manager)
    url = reverse("confluence:publish", args=[postmortem.incident_id])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
        client.post(url)
    row = ConfluenceDelivery.objects.get()
    publishing.deliver(row.pk)
    publishing.deliver(row.pk)
    assert len(confluence.ours()) == 1
    assert [m for m, p in confluence.requests if m in ("POST", "PUT")] == ["POST"]


def test_recovery_publishes_a_delivery_whose_nudge_was_lost(
    connection, confluence, postmortem, django_capture_on_commit_callbacks, settings
):
    row = owed_unsent(postmortem)
    ConfluenceDelivery.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.DELIVERY_RECOVER_AFTER_SECONDS + 5)
    )
    counts = deliveries.recover_owed()
    assert counts["confluence_page"] == 1
    assert len(confluence.ours()) == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT


def test_a_stale_claim_is_taken_over_by_recovery(
    connection, confluence, postmortem, django_capture_on_commit_callbacks, settings
):
    row = deliveries.claim(ConfluenceDelivery, owed_unsent(postmortem).pk)
    ConfluenceDelivery.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.DELIVERY_CLAIM_STALE_SECONDS + 5)
    )
    deliveries.recover_owed()
    assert len(confluence.ours()) == 1
    assert not deliveries.finish(row, Delivery.Status.SENT)  # the old claim changes nothing


def test_private_incidents_are_never_published(
    client, manager, connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    incident = postmortem.incident
    incident.is_private = True
    incident.save(update_fields=["is_private"])
    incident.allowed_teams.add(connection.team)  # the manager sees it
    published(postmortem, django_capture_on_commit_callbacks)
    client.force_login(manager)
    response = client.post(reverse("confluence:publish", args=[incident.pk]), follow=True)
    assert "never published to Confluence" in response.content.decode()
    assert not ConfluenceDelivery.objects.exists()
    assert confluence.requests == []


def test_a_page_whose_incident_is_made_private_is_withdrawn(
    client, manager, connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    incident = postmortem.incident
    [made] = confluence.ours()
    # A published incident is read-only: reopened first, then made private.
    postmortem_services.postmortem_reopen(postmortem=postmortem, actor=manager)
    incident.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_update(
            incident=incident, actor=manager, data={"is_private": True},
            expected_version=incident.version, stranded_owners="allow",
        )  # fmt: skip
    assert confluence.pages[made["id"]]["status"] == "trashed"
    page = ConfluencePage.objects.get()
    assert page.withdrawn_at is not None and not page.page_id and not page.url
    client.force_login(manager)
    document = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()
    assert "In Confluence" not in document and "Publish to Confluence now" not in document


def test_a_reopened_postmortem_owed_a_page_is_skipped(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    row = owed_unsent(postmortem)
    postmortem_services.postmortem_reopen(postmortem=postmortem, actor=postmortem.reviewers.first())
    publishing.deliver(row.pk)
    assert ConfluenceDelivery.objects.get().status == Delivery.Status.SKIPPED
    assert confluence.requests == []


def test_the_connection_keeps_the_space_id_it_learned(
    connection, confluence, postmortem, django_capture_on_commit_callbacks
):
    published(postmortem, django_capture_on_commit_callbacks)
    assert ConfluenceConnection.objects.get().space_id == "98304"
