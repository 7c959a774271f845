"""A tag used only by private incidents is as hidden as they are: in every list, filter,
API answer and form, its name is never shown to someone who may not see those incidents."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from incidents.models import Tag
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    TagFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "zebra-breach"  # on a private incident only
SECRET_ON_CAUSE = "quokka-leak"  # on a cause of a private incident only
PUBLIC = "database"
FRESH = "brand-new"  # used by nothing yet
SHARED = "network"  # on the private incident and on a public one
HIDDEN = (SECRET, SECRET_ON_CAUSE)
SEEN_BY_ALL = (PUBLIC, FRESH, SHARED)


@pytest.fixture
def world():
    """A private incident, one manager allowed to see it and one manager who is not."""
    insider = UserFactory(username="insider")
    outsider = UserFactory(username="outsider")
    TeamFactory(manager=insider)
    TeamFactory(manager=outsider)
    tags = {name: TagFactory(name=name) for name in (*HIDDEN, *SEEN_BY_ALL)}
    private = IncidentFactory(title="Private one", is_private=True, allowed_users=[insider])
    private.tags.add(tags[SECRET], tags[SHARED])
    CauseFactory(incident=private).tags.add(tags[SECRET_ON_CAUSE])
    public = IncidentFactory(title="Public one")
    public.tags.add(tags[PUBLIC], tags[SHARED])
    ActionItemFactory(incident=public, owner=outsider)
    ActionItemFactory(incident=private, owner=insider)
    return {"insider": insider, "outsider": outsider, "tags": tags, "private": private}


def html_of(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def assert_names(html: str, *, shown, hidden) -> None:
    for name in shown:
        assert name in html
    for name in hidden:
        assert name not in html


PAGES = {
    "the tags page": "incidents:tags",
    "the incident list's tag filter": "incidents:list",
    "the board's tag filter": "incidents:action_items",
    "the search page's tag filter": "search:results",
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_an_outsider_never_sees_the_name_of_a_tag_only_private_incidents_use(client, world, page):
    html = html_of(client, world["outsider"], reverse(page))
    assert_names(html, shown=SEEN_BY_ALL, hidden=HIDDEN)


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_someone_who_may_see_the_private_incident_sees_its_tags(client, world, page):
    html = html_of(client, world["insider"], reverse(page))
    assert_names(html, shown=(*SEEN_BY_ALL, *HIDDEN), hidden=())


def test_a_superuser_sees_every_tag(client, world):
    boss = UserFactory(is_superuser=True)
    html = html_of(client, boss, reverse("incidents:tags"))
    assert_names(html, shown=(*SEEN_BY_ALL, *HIDDEN), hidden=())


def test_tags_visible_to_follows_the_incident_as_it_turns_private_and_public(world):
    outsider, private = world["outsider"], world["private"]
    assert set(Tag.objects.visible_to(outsider).values_list("name", flat=True)) == {*SEEN_BY_ALL}
    private.is_private = False
    private.save()
    every = {*SEEN_BY_ALL, *HIDDEN}
    assert set(Tag.objects.visible_to(outsider).values_list("name", flat=True)) == every
    signed_out = set(Tag.objects.visible_to(AnonymousUser()).values_list("name", flat=True))
    assert signed_out == every


def test_filter_choices_offer_only_the_tags_the_user_may_see(client, world):
    client.force_login(world["outsider"])
    for page in ("incidents:list", "incidents:action_items"):
        response = client.get(reverse(page))
        offered = {tag.name for tag in response.context["filter"].form.fields["tag"].queryset}
        assert offered == set(SEEN_BY_ALL)


def test_an_outsider_filtering_by_a_hidden_tag_is_answered_as_for_a_tag_that_does_not_exist(
    client, world
):
    client.force_login(world["outsider"])
    secret = world["tags"][SECRET].pk
    hidden = client.get(reverse("incidents:list"), {"tag": secret})
    missing = client.get(reverse("incidents:list"), {"tag": 999_999})
    assert hidden.context["filter"].errors["tag"] == [
        error.replace("999999", str(secret)) for error in missing.context["filter"].errors["tag"]
    ]
    assert SECRET not in hidden.content.decode()


def test_an_outsider_cannot_rename_merge_or_merge_into_a_hidden_tag(client, world):
    client.force_login(world["outsider"])
    tags = world["tags"]
    rename = client.post(reverse("incidents:tag_rename", args=[tags[SECRET].pk]), {"name": "x"})
    merge = client.post(
        reverse("incidents:tag_merge", args=[tags[SECRET].pk]), {"into": tags[PUBLIC].pk}
    )
    into = client.post(
        reverse("incidents:tag_merge", args=[tags[PUBLIC].pk]), {"into": tags[SECRET].pk}
    )
    assert (rename.status_code, merge.status_code, into.status_code) == (404, 404, 400)
    assert SECRET not in into.content.decode()
    assert set(Tag.objects.values_list("name", flat=True)) == {*HIDDEN, *SEEN_BY_ALL}


def test_renaming_to_a_hidden_tags_name_is_refused_without_echoing_it(client, world):
    client.force_login(world["outsider"])
    response = client.post(
        reverse("incidents:tag_rename", args=[world["tags"][FRESH].pk]), {"name": "ZEBRA-BREACH"}
    )
    assert response.status_code == 400
    assert "This name is taken; pick another." in response.content.decode()
    assert SECRET not in response.content.decode()
    assert Tag.objects.filter(name=FRESH).exists()


def test_the_tags_page_asks_the_same_few_queries_however_many_tags(
    client, world, django_assert_max_num_queries
):
    for n in range(30):
        incident = IncidentFactory(is_private=n % 2 == 0)
        incident.tags.add(TagFactory())
        CauseFactory(incident=incident).tags.add(TagFactory())
    client.force_login(world["outsider"])
    # Session, user, manager check, the tags, the incident and the cause counts.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("incidents:tags")).status_code == 200
