"""Tags on incidents and causes: typing them, the managed list (rename, merge), filters."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import ChangeRecord
from incidents import services
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


@pytest.fixture
def manager(client):
    user = UserFactory()
    TeamFactory(manager=user)
    client.force_login(user)
    return user


def tagged(tag: Tag, **kwargs):
    incident = IncidentFactory(**kwargs)
    incident.tags.add(tag)
    return incident


def titles(response) -> list[str]:
    return sorted(incident.title for incident in response.context["page"].object_list)


# --- Names ---


def test_tag_names_are_unique_in_any_letter_case():
    TagFactory(name="Database")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="database")


def test_tags_typed_in_the_incident_form_find_existing_ones_in_any_case(client):
    database = TagFactory(name="Database")
    incident = IncidentFactory(title="Replica lag")
    client.force_login(incident.commander)
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("services", "allowed_users", "allowed_teams")
    }
    data.update(version=incident.version, tags="database, Network ,network", commander="")
    data["commander"] = incident.commander.pk
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert sorted(t.name for t in incident.tags.all()) == ["Database", "Network"]
    assert Tag.objects.filter(name__iexact="network").count() == 1
    assert database in incident.tags.all()
    change = incident.changes.first()
    assert change.changes["tags"] == ["", "Database, Network"]


def test_a_cause_takes_tags_from_its_form_and_shows_them(client):
    incident = IncidentFactory()
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:cause_create", args=[incident.pk]),
        {
            "cause-role": "root",
            "cause-category": "configuration",
            "cause-description": "A typo in the pool size",
            "cause-tags": "config, Postgres",
        },
    )
    assert response.status_code == 302
    cause = incident.causes.get()
    assert sorted(t.name for t in cause.tags.all()) == ["Postgres", "config"]
    page = client.get(incident.get_absolute_url()).content.decode()
    assert ">Postgres</a>" in page
    services.cause_update(cause=cause, actor=incident.commander, data={"tags": ["config"]})
    assert [t.name for t in cause.tags.all()] == ["config"]
    assert incident.changes.first().changes["tags"] == ["config, Postgres", "config"]


def test_a_tag_name_too_long_is_refused_with_the_text_kept(client):
    incident = IncidentFactory()
    client.force_login(incident.commander)
    long_name = "x" * 60
    response = client.post(
        reverse("incidents:cause_create", args=[incident.pk]),
        {
            "cause-role": "root",
            "cause-category": "configuration",
            "cause-description": "A typo",
            "cause-tags": f"ok, {long_name}",
        },
    )
    # The incident page again, the add form open with the errors and the text as typed.
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep tag names to 50 characters" in page and long_name in page
    assert not Tag.objects.exists()


# --- The managed list ---


def test_a_manager_sees_every_tag_with_the_incidents_and_causes_using_it(client, manager):
    database = TagFactory(name="database")
    TagFactory(name="unused")
    tagged(database)
    tagged(database)
    CauseFactory().tags.add(database)
    response = client.get(reverse("incidents:tags"))
    assert response.status_code == 200
    usage = {row.tag.name: (row.incidents, row.causes) for row in response.context["rows"]}
    assert usage == {"database": (2, 1), "unused": (0, 0)}
    assert "2 incidents" in response.content.decode()


def test_counts_leave_out_private_incidents_the_reader_may_not_see(client, manager):
    secret = TagFactory(name="secret-project")
    hidden = tagged(secret, title="Leaked keys", is_private=True)
    CauseFactory(incident=hidden).tags.add(secret)
    tagged(secret, title="Public one")
    response = client.get(reverse("incidents:tags"))
    (row,) = response.context["rows"]
    assert (row.incidents, row.causes) == (1, 0)
    assert "Leaked keys" not in response.content.decode()
    # Someone allowed in counts it.
    hidden.allowed_users.add(manager)
    (row,) = client.get(reverse("incidents:tags")).context["rows"]
    assert (row.incidents, row.causes) == (2, 1)


def test_only_managers_may_see_rename_or_merge_tags(client):
    tag, other = TagFactory(name="db"), TagFactory(name="database")
    client.force_login(UserFactory())
    assert client.get(reverse("incidents:tags")).status_code == 403
    rename = reverse("incidents:tag_rename", args=[tag.pk])
    assert client.post(rename, {"name": "x"}).status_code == 403
    merge = reverse("incidents:tag_merge", args=[tag.pk])
    assert client.post(merge, {"into": other.pk}).status_code == 403
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["database", "db"]


def test_the_tag_page_makes_the_same_queries_for_many_tags(
    client, manager, django_assert_max_num_queries
):
    for _ in range(30):
        tag = TagFactory()
        tagged(tag)
        CauseFactory().tags.add(tag)
    tagged(TagFactory(), is_private=True)
    # Session, user, manager check, three of the list (tags, incident and cause counts).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("incidents:tags"))
    # The tag only the private incident uses is not the manager's to see.
    assert len(response.context["rows"]) == 30


def test_renaming_a_tag_renames_it_everywhere(client, manager):
    tag = TagFactory(name="db")
    incident = tagged(tag)
    response = client.post(reverse("incidents:tag_rename", args=[tag.pk]), {"name": " Database "})
    assert response.status_code == 302
    assert [t.name for t in incident.tags.all()] == ["Database"]


def test_renaming_to_a_name_another_tag_has_is_refused_with_the_text_kept(client, manager):
    tag = TagFactory(name="db")
    TagFactory(name="Database")
    response = client.post(reverse("incidents:tag_rename", args=[tag.pk]), {"name": "DATABASE"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "exists already: merge into it instead" in page
    assert 'value="DATABASE"' in page
    tag.refresh_from_db()
    assert tag.name == "db"
    # Changing only the letter case of its own name is a rename.
    client.post(reverse("incidents:tag_rename", args=[tag.pk]), {"name": "DB"})
    tag.refresh_from_db()
    assert tag.name == "DB"


def test_merging_moves_every_incident_and_cause_and_records_it(client, manager):
    db, database = TagFactory(name="db"), TagFactory(name="database")
    only_db = tagged(db, title="Only db")
    both = tagged(db, title="Both")
    both.tags.add(database)
    # A private incident the manager may not see moves too: tags are shared.
    hidden = tagged(db, title="Hidden", is_private=True)
    cause = CauseFactory(incident=IncidentFactory(title="Cause only"))
    cause.tags.add(db)
    response = client.post(reverse("incidents:tag_merge", args=[db.pk]), {"into": database.pk})
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=db.pk).exists()
    for incident in (only_db, both, hidden):
        assert [t.name for t in incident.tags.all()] == ["database"]
    assert [t.name for t in cause.tags.all()] == ["database"]
    merged = ChangeRecord.objects.filter(event="tag.merged")
    assert sorted(merged.values_list("incident__title", flat=True)) == [
        "Both",
        "Cause only",
        "Hidden",
        "Only db",
    ]
    page = client.get(only_db.get_absolute_url()).content.decode()
    assert "merged tag ‘db’ into ‘database’" in page
    # The managed list no longer offers it; the manager still does not see the hidden one.
    rows = client.get(reverse("incidents:tags")).context["rows"]
    assert [(r.tag.name, r.incidents, r.causes) for r in rows] == [("database", 2, 1)]


def test_merging_into_itself_or_a_tag_gone_is_refused(client, manager):
    tag = TagFactory(name="db")
    TagFactory(name="database")
    url = reverse("incidents:tag_merge", args=[tag.pk])
    response = client.post(url, {"into": tag.pk})
    assert response.status_code == 400
    assert "Pick a tag from the list" in response.content.decode()
    assert client.post(url, {"into": 999999}).status_code == 400
    assert Tag.objects.filter(pk=tag.pk).exists()


# --- Filters ---


def test_the_incident_list_filters_by_tags_on_incidents_and_their_causes(logged_in_client):
    database, network = TagFactory(name="database"), TagFactory(name="network")
    tagged(database, title="Tagged itself")
    CauseFactory(incident=IncidentFactory(title="Cause tagged")).tags.add(database)
    tagged(network, title="Network only")
    IncidentFactory(title="Untagged")
    both = tagged(database, title="Tagged twice")
    CauseFactory(incident=both).tags.add(database)
    url = reverse("incidents:list")
    response = logged_in_client.get(url, {"tag": database.pk})
    assert titles(response) == ["Cause tagged", "Tagged itself", "Tagged twice"]
    response = logged_in_client.get(url, {"tag": [database.pk, network.pk]})
    assert len(titles(response)) == 4


def test_the_incident_list_tag_filter_never_shows_private_incidents_to_outsiders(
    logged_in_client,
):
    tag = TagFactory(name="database")
    tagged(tag, title="Hidden", is_private=True)
    tagged(tag, title="Shown")
    response = logged_in_client.get(reverse("incidents:list"), {"tag": tag.pk})
    assert titles(response) == ["Shown"]
    assert "Hidden" not in response.content.decode()


def test_the_board_filters_items_by_their_incident_and_cause_tags(logged_in_client):
    tag = TagFactory(name="database")
    ActionItemFactory(title="Of a tagged incident", incident=tagged(tag))
    cause = CauseFactory()
    cause.tags.add(tag)
    addressing = ActionItemFactory(title="Addressing a tagged cause", incident=cause.incident)
    addressing.causes.add(cause)
    ActionItemFactory(title="Same incident, other cause", incident=cause.incident)
    ActionItemFactory(title="Elsewhere")
    ActionItemFactory(title="Private", incident=tagged(tag, is_private=True))
    response = logged_in_client.get(reverse("incidents:action_items"), {"tag": tag.pk})
    shown = sorted(item.title for item, _ in response.context["rows"])
    assert shown == ["Addressing a tagged cause", "Of a tagged incident"]
    assert response.context["page"].paginator.count == 2


def test_the_api_lists_filter_by_tag(logged_in_client):
    tag = TagFactory(name="database")
    tagged(tag, title="Tagged")
    IncidentFactory(title="Untagged")
    response = logged_in_client.get("/api/v1/incidents/", {"tag": tag.pk})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Tagged"]
    item = ActionItemFactory(incident=IncidentFactory(title="Cause tagged"))
    cause = CauseFactory(incident=item.incident)
    cause.tags.add(tag)
    item.causes.add(cause)
    response = logged_in_client.get("/api/v1/action-items/", {"tag": tag.pk})
    assert [row["id"] for row in response.json()["results"]] == [item.pk]
    response = logged_in_client.get("/api/v1/causes/", {"incident": item.incident.pk})
    assert response.json()["results"][0]["tags"] == [tag.pk]


def test_the_json_export_carries_the_causes_tags(logged_in_client):
    cause = CauseFactory()
    cause.tags.add(TagFactory(name="postgres"))
    url = reverse("postmortems:export", args=[cause.incident.pk, "json"])
    data = logged_in_client.get(url).json()
    assert data["causes"][0]["tags"] == ["postgres"]
