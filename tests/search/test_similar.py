"""Similar incidents on an incident's page and its review page, and "same root cause" links."""

from datetime import timedelta

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from incidents.models import ActionItem, Cause
from search.models import RecurrenceLink
from search.similar import similar_incidents
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    ServiceFactory,
    TagFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def titles(entries) -> list[str]:
    return [entry.incident.title for entry in entries]


@pytest.fixture
def website():
    return ServiceFactory(name="Website")


@pytest.fixture
def current(website):
    incident = IncidentFactory(title="Checkout config pushed with a typo", services=[website])
    CauseFactory(incident=incident, category=Cause.Category.CONFIGURATION)
    return incident


def past(current, **kwargs):
    kwargs.setdefault("started_at", current.started_at - timedelta(days=30))
    return IncidentFactory(**kwargs)


def test_similar_incidents_share_a_service_tag_or_cause_category_and_say_which(
    current, website, index_all
):
    tag = TagFactory(name="payments")
    current.tags.add(tag)
    by_service = past(current, title="Website down", services=[website])
    by_tag = past(current, title="Card declines")
    by_tag.tags.add(tag)
    by_cause = past(current, title="Feature flag flipped")
    CauseFactory(incident=by_cause, category=Cause.Category.CONFIGURATION)
    past(current, title="Unrelated", services=[ServiceFactory(name="Mail")])
    index_all()

    found = similar_incidents(current, UserFactory())

    assert sorted(titles(found)) == ["Card declines", "Feature flag flipped", "Website down"]
    reasons = {entry.incident.pk: entry.reasons for entry in found}
    assert reasons[by_service.pk] == "shares service Website"
    assert reasons[by_tag.pk] == "shares tag payments"
    assert reasons[by_cause.pk] == "shares cause category Configuration"


def test_both_reasons_are_given_when_several_are_shared(current, website):
    both = past(current, title="Both", services=[website])
    CauseFactory(incident=both, category=Cause.Category.CONFIGURATION)
    [entry] = similar_incidents(current, UserFactory())
    assert entry.reasons == "shares service Website; cause category Configuration"


def test_later_incidents_and_the_incident_itself_are_not_similar(current, website):
    IncidentFactory(
        title="Later", services=[website], started_at=current.started_at + timedelta(days=1)
    )
    assert similar_incidents(current, UserFactory()) == []


def test_at_most_five_are_shown_closest_text_first(current, website, index_all):
    for n in range(7):
        past(current, title=f"Other {n}", services=[website])
    past(current, title="Checkout config typo again", services=[website])
    index_all()
    found = similar_incidents(current, UserFactory())
    assert len(found) == 5
    # On PostgreSQL ts_rank puts the one with the same words first; SQLite ties, newest first.
    if index_all():
        assert found[0].incident.title == "Checkout config typo again"


def test_open_action_items_of_a_similar_incident_are_listed(current, website):
    other = past(current, title="Website down", services=[website])
    ActionItemFactory(incident=other, title="Validate config before push")
    ActionItemFactory(incident=other, title="Done already", status=ActionItem.Status.DONE)
    [entry] = similar_incidents(current, UserFactory())
    assert [item.title for item in entry.open_items] == ["Validate config before push"]


def test_private_incidents_are_never_similar_for_those_who_may_not_see_them(current, website):
    insider = UserFactory()
    team = TeamFactory(members=[insider])
    past(current, title="Private one", services=[website], is_private=True, allowed_teams=[team])
    assert titles(similar_incidents(current, insider)) == ["Private one"]
    assert similar_incidents(current, UserFactory()) == []


def panel(client, incident, **headers) -> str:
    """The similar incidents as the incident's page loads them after itself (htmx)."""
    response = client.get(
        reverse("search:similar", args=[incident.pk]), HTTP_HX_REQUEST="true", **headers
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_private_incident_is_not_on_an_outsiders_page(client, current, website):
    past(current, title="Secret outage", services=[website], is_private=True)
    client.force_login(UserFactory())
    for url in (
        current.get_absolute_url(),
        reverse("postmortems:review", args=[current.pk]),
        reverse("search:similar", args=[current.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "Secret outage" not in response.content.decode()
    assert "Secret outage" not in panel(client, current)


def test_the_panel_of_a_private_incident_is_not_found_for_an_outsider(client, current):
    hidden = past(current, title="Hidden", is_private=True)
    client.force_login(UserFactory())
    assert client.get(reverse("search:similar", args=[hidden.pk])).status_code == 404


def test_the_pages_load_the_panel_after_themselves_and_it_works_without_javascript(
    client, current, website
):
    past(current, title="Website down", services=[website])
    client.force_login(current.commander)
    url = reverse("search:similar", args=[current.pk])
    page = client.get(current.get_absolute_url()).content.decode()
    assert f'hx-get="{url}?next=' in page and "Website down" not in page
    # Without JavaScript the link opens it as a page, with the way back to the incident.
    alone = client.get(url, {"next": current.get_absolute_url()}).content.decode()
    assert "Website down" in alone and f'href="{current.get_absolute_url()}"' in alone
    # The buttons in it come back to the page it was loaded into, never to another site.
    review = reverse("postmortems:review", args=[current.pk])
    assert (
        f'value="{review}#similar"'
        in client.get(url, {"next": review}, HTTP_HX_REQUEST="true").content.decode()
    )
    assert (
        'value="https://evil.example/#similar"'
        not in client.get(
            url, {"next": "https://evil.example/"}, HTTP_HX_REQUEST="true"
        ).content.decode()
    )


@pytest.mark.parametrize("count", [3, 30])
def test_similar_incidents_take_a_fixed_number_of_queries(
    current, website, count, index_all, django_assert_max_num_queries
):
    for n in range(count):
        other = past(current, title=f"Other {n}", services=[website])
        CauseFactory(incident=other)
        ActionItemFactory(incident=other)
        RecurrenceLink.objects.create(incident=current, same_as=other)
    index_all()
    user = UserFactory()
    with django_assert_max_num_queries(9):
        found = similar_incidents(current, user)
        [entry.reasons for entry in found]
    assert len(found) == min(count, 5)


def test_the_pages_show_similar_incidents_with_why_they_matched(client, current, website):
    past(current, title="Website down", services=[website])
    client.force_login(current.commander)
    page = client.get(current.get_absolute_url()).content.decode()
    assert "Similar incidents" in page
    found = panel(client, current)
    assert "Website down" in found
    assert "Shares service Website" in found
    review = client.get(reverse("postmortems:review", args=[current.pk])).content.decode()
    assert reverse("search:similar", args=[current.pk]) in review


def test_an_author_marks_a_similar_incident_as_the_same_root_cause(client, current, website):
    other = past(current, title="Website down", services=[website])
    client.force_login(current.commander)
    url = reverse("search:link_create", args=[current.pk, other.pk])
    response = client.post(url)
    assert response.status_code == 302
    link = RecurrenceLink.objects.get()
    assert (link.incident, link.same_as, link.created_by) == (current, other, current.commander)
    # Shown on both pages, and marking it again (from either side) adds nothing.
    client.post(url)
    other_panel = panel(client, other)
    assert "Same root cause" in other_panel and current.title in other_panel
    client.force_login(other.commander)
    client.post(reverse("search:link_create", args=[other.pk, current.pk]))
    assert RecurrenceLink.objects.count() == 1


def test_an_author_removes_a_link(client, current, website):
    other = past(current, title="Website down", services=[website])
    link = RecurrenceLink.objects.create(incident=current, same_as=other)
    client.force_login(other.commander)  # an author of the other side may remove it too
    response = client.post(reverse("search:link_delete", args=[other.pk, link.pk]))
    assert response.status_code == 302
    assert not RecurrenceLink.objects.exists()
    # A second click finds no such link, as for a link to an incident one may not see.
    assert client.post(reverse("search:link_delete", args=[other.pk, link.pk])).status_code == 404


def test_an_editor_may_not_remove_a_link_to_a_private_incident_they_may_not_see(
    client, current, website
):
    hidden = past(current, title="Hidden", is_private=True, services=[website])
    link = RecurrenceLink.objects.create(incident=hidden, same_as=current)
    client.force_login(current.commander)  # edits current; may not see hidden

    response = client.post(reverse("search:link_delete", args=[current.pk, link.pk]))

    assert response.status_code == 404
    assert RecurrenceLink.objects.filter(pk=link.pk).exists()
    assert not ChangeRecord.objects.filter(event="recurrence.unlinked").exists()


def test_readers_may_not_link_and_links_need_a_post(client, current, website):
    other = past(current, title="Website down", services=[website])
    url = reverse("search:link_create", args=[current.pk, other.pk])
    client.force_login(UserFactory())
    assert client.post(url).status_code == 403
    client.force_login(current.commander)
    assert client.get(url).status_code == 405
    assert not RecurrenceLink.objects.exists()


def test_an_author_may_not_link_to_a_private_incident_they_may_not_see(client, current):
    hidden = past(current, title="Hidden", is_private=True)
    client.force_login(current.commander)
    assert (
        client.post(reverse("search:link_create", args=[current.pk, hidden.pk])).status_code == 404
    )
    itself = reverse("search:link_create", args=[current.pk, current.pk])
    assert client.post(itself).status_code == 404


def test_the_redirect_stays_on_this_site(client, current, website):
    other = past(current, title="Website down", services=[website])
    client.force_login(current.commander)
    url = reverse("search:link_create", args=[current.pk, other.pk])
    response = client.post(url, {"next": "https://evil.example.com/"})
    assert response.url == current.get_absolute_url() + "#similar"


def test_a_tag_on_a_cause_counts_as_shared_and_is_named(current):
    tag = TagFactory(name="postgres")
    current.causes.get().tags.add(tag)
    other = past(current, title="Pool exhausted")
    CauseFactory(incident=other, category=Cause.Category.CAPACITY).tags.add(tag)
    [entry] = similar_incidents(current, UserFactory())
    assert entry.incident == other
    assert entry.reasons == "shares tag postgres"


def test_marking_and_unmarking_a_link_reads_in_both_histories(
    client, current, website, django_capture_on_commit_callbacks
):
    other = past(current, title="Website down", services=[website])
    client.force_login(current.commander)
    # After commit, a recorded change retires the cached pages (core.page_cache).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("search:link_create", args=[current.pk, other.pk]))
    link = RecurrenceLink.objects.get()
    page = client.get(current.get_absolute_url()).content.decode()
    assert f"marked {other.reference} Website down as having the same root cause" in page
    page = client.get(other.get_absolute_url()).content.decode()
    assert f"marked {current.reference} {current.title} as having the same root cause" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("search:link_delete", args=[current.pk, link.pk]))
    assert sorted(
        ChangeRecord.objects.filter(event__startswith="recurrence.").values_list(
            "event", "incident_id", "target_id"
        )
    ) == sorted(
        [
            ("recurrence.linked", current.pk, other.pk),
            ("recurrence.linked", other.pk, current.pk),
            ("recurrence.unlinked", current.pk, other.pk),
            ("recurrence.unlinked", other.pk, current.pk),
        ]
    )
    page = client.get(other.get_absolute_url()).content.decode()
    assert f"unmarked {current.reference} {current.title} as having the same root cause" in page


def test_a_link_to_a_private_incident_is_not_named_in_history_to_outsiders(client, current):
    hidden = past(current, title="Secret breach", is_private=True)
    hidden.allowed_users.add(current.commander)
    client.force_login(current.commander)
    client.post(reverse("search:link_create", args=[current.pk, hidden.pk]))
    assert "Secret breach as having" in client.get(current.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    page = client.get(current.get_absolute_url()).content.decode()
    assert "Secret breach" not in page and hidden.reference not in page
