"""What makes the busy pages fast keeps them correct: the same HTML, the same people seeing
the same incidents, and the queries they were cut down to (bench/load.py has the figures).
"""

import re
from datetime import UTC, datetime

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils.text import Truncator

from core.visibility import visibility_scope
from incidents import rows, services
from incidents.models import (
    ActionItem,
    Incident,
    private_incident_ids,
    private_incident_ids_for,
    visibility_condition,
)
from incidents.permissions import can_view_incident
from postmortems.markdown import render_markdown
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def private():
    """A private incident, one person allowed on it, one outsider, one public incident."""
    allowed, outsider = UserFactory(username="allowed"), UserFactory(username="outsider")
    incident = IncidentFactory(title="Secret incident", is_private=True, allowed_users=[allowed])
    return incident, allowed, outsider, IncidentFactory(title="Public incident")


def test_inside_a_request_the_private_incident_is_seen_by_the_allowed_and_not_the_outsider(
    private,
):
    incident, allowed, outsider, public = private
    item = ActionItemFactory(incident=incident)
    with visibility_scope():
        for user, sees in ((allowed, True), (outsider, False)):
            expected = {incident, public} if sees else {public}
            assert set(Incident.objects.visible_to(user)) == expected
            assert ActionItem.objects.visible_to(user).filter(pk=item.pk).exists() == sees
            assert can_view_incident(user, incident) == sees


def test_an_incident_made_private_during_a_request_is_hidden_from_its_next_query(private):
    _, _, outsider, public = private
    with visibility_scope():
        assert public in Incident.objects.visible_to(outsider)
        Incident.objects.filter(pk=public.pk).update(is_private=True)  # by another request
        assert public not in Incident.objects.visible_to(outsider)


def test_access_given_by_a_recorded_change_counts_in_the_same_request(private):
    incident, allowed, outsider, _ = private
    with visibility_scope():
        assert not can_view_incident(outsider, incident)
        services.incident_update(
            incident=incident,
            actor=allowed,
            data={"allowed_users": [allowed, outsider]},
            expected_version=incident.version,
        )
        assert can_view_incident(outsider, incident)
        assert incident in Incident.objects.visible_to(outsider)


def test_the_outsider_finds_the_private_incident_nowhere_in_the_list_or_the_board(client, private):
    incident, _, outsider, _ = private
    ActionItemFactory(incident=incident, title="Secret item")
    client.force_login(outsider)
    assert "Secret incident" not in client.get(reverse("incidents:list")).content.decode()
    board = client.get(reverse("incidents:action_items")).content.decode()
    assert "Secret item" not in board
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_the_board_counts_its_items_without_reading_the_incidents(client, private):
    _, allowed, _, _ = private
    for _ in range(5):
        ActionItemFactory(incident=IncidentFactory(team=TeamFactory()))
    client.force_login(allowed)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("incidents:action_items"), {"status": "open"})
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"]]
    assert counts, "the board counts its items"
    for sql in counts:
        # Only the few private incidents are read, in a subquery: no join with 10,000 rows.
        assert 'JOIN "incidents_incident"' not in sql


def between_tags(html: str) -> str:
    """The markup without the whitespace between tags, which a <select> does not show."""
    return re.sub(r">\s+<", "><", html)


def test_a_select_shows_the_options_django_would_write(client):
    widget = forms.Select(
        attrs={"data-picker": "service", "required": True},
        choices=[
            ("", "Any"),
            ("a<b", 'Tom & "Jerry"'),
            ("Group <1>", [(1, "one"), (2, "two")]),
            (3, "three"),
        ],
    )
    for value in ("a<b", 2, None):
        ours = widget.render("pick", value, renderer=TemplatesSetting())
        djangos = widget.render("pick", value, renderer=DjangoTemplates())
        assert between_tags(ours) == between_tags(djangos)
    several = forms.SelectMultiple(choices=[(1, "x"), (2, "y")])
    ours = several.render("tags", [1, 2], renderer=TemplatesSetting())
    assert between_tags(ours) == between_tags(
        several.render("tags", [1, 2], renderer=DjangoTemplates())
    )
    assert "\n  <option" not in ours, "no line per option: bytes on every list page"


def test_the_incident_list_filter_offers_every_service_with_the_chosen_one_selected(
    logged_in_client,
):
    chosen, other = ServiceFactory(name="payments <api>"), ServiceFactory(name="search")
    page = logged_in_client.get(reverse("incidents:list"), {"service": chosen.pk}).content.decode()
    assert f'<option value="{chosen.pk}" selected>payments &lt;api&gt;</option>' in page
    assert f'<option value="{other.pk}">search</option>' in page


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Etc/GMT-2", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "moment", [datetime(2026, 7, 1, 12, 5, tzinfo=UTC), datetime(2026, 1, 1, 23, 59, 30, 5, UTC)]
)
def test_a_time_reads_as_the_date_filter_wrote_it(zone, moment):
    context = Context({"zone": zone, "moment": moment})
    django = Template(
        "{% load tz %}{% timezone zone %}<time datetime=\"{{ moment|utc|date:'c' }}\" "
        "title=\"{{ moment|utc|date:'Y-m-d H:i' }} UTC\">{{ moment|date:'Y-m-d H:i T' }}</time>"
        "{% endtimezone %}"
    ).render(context)
    ours = Template(
        "{% load tz incident_ui %}{% timezone zone %}{{ moment|time_tag }}{% endtimezone %}"
    ).render(context)
    assert ours == django


def test_markdown_converted_one_text_after_another_carries_nothing_over():
    with_definitions = "*[HTML]: Hyper Text Markup Language\n\nHTML pages[^1].\n\n[^1]: A note."
    assert "<abbr" in render_markdown(with_definitions)
    assert "footnote" in render_markdown(with_definitions)
    plain = render_markdown("HTML pages, again.")
    assert "<abbr" not in plain and "footnote" not in plain
    assert render_markdown("**bold** <script>x</script>") == render_markdown(
        "**bold** <script>x</script>"
    )
    assert "<script" not in render_markdown("**bold** <script>x</script>")


def test_a_reader_who_may_not_edit_gets_the_incident_page_without_the_add_forms(
    logged_in_client, django_assert_max_num_queries
):
    incident = IncidentFactory()
    for _ in range(10):
        ActionItemFactory(incident=incident)
    with django_assert_max_num_queries(19):
        page = logged_in_client.get(incident.get_absolute_url()).content.decode()
    assert 'id="action-items"' in page
    assert "Add an action item" not in page and "<select" not in page.split('id="main"')[1]


# --- The page cache (core/page_cache.py) ---


def test_a_readers_incident_page_is_reused_until_a_change_is_recorded(
    logged_in_client, django_capture_on_commit_callbacks
):
    incident = IncidentFactory()
    with CaptureQueriesContext(connection) as first:
        logged_in_client.get(incident.get_absolute_url())
    with CaptureQueriesContext(connection) as again:
        page = logged_in_client.get(incident.get_absolute_url()).content.decode()
    assert len(again) < len(first) - 5  # the body's rows came from the cache
    assert "Disk filled up on the primary" not in page
    with django_capture_on_commit_callbacks(execute=True):
        services.timeline_event_create(
            incident=incident,
            actor=incident.commander,
            data={
                "occurred_at": incident.started_at,
                "kind": "action",
                "description": "Disk filled up on the primary",
            },
        )
    assert (
        "Disk filled up on the primary"
        in logged_in_client.get(incident.get_absolute_url()).content.decode()
    )


def test_a_cached_list_or_similar_panel_never_shows_the_outsider_a_private_incident(
    client, private
):
    incident, allowed, outsider, public = private
    shared = ServiceFactory()
    incident.services.add(shared)
    public.services.add(shared)
    for viewer, sees in ((allowed, True), (outsider, False), (allowed, True)):
        client.force_login(viewer)
        listed = client.get(reverse("incidents:list")).content.decode()
        page = client.get(public.get_absolute_url()).content.decode()
        page += client.get(
            reverse("search:similar", args=[public.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        board_item = ActionItemFactory(incident=incident, title=f"Secret item {viewer.pk}")
        board = client.get(reverse("incidents:action_items")).content.decode()
        # Each viewer first, then again after the other: a cached part is never the other's.
        assert ("Secret incident" in listed) == sees, viewer
        assert ("Secret item" in board) == sees, viewer
        # The similar incidents of a public one (loaded after the page).
        assert ("Secret incident" in page) == sees, viewer
        board_item.delete()
    client.force_login(outsider)
    assert client.get(incident.get_absolute_url()).status_code == 404
    assert client.get(reverse("postmortems:document", args=[incident.pk])).status_code == 404


def test_an_editors_incident_page_is_never_stored_for_anyone_else(client, private):
    _, _, outsider, public = private
    client.force_login(public.commander)
    editor_page = client.get(public.get_absolute_url()).content.decode()
    assert "Add an action item" in editor_page and "csrfmiddlewaretoken" in editor_page
    client.force_login(outsider)
    reader_page = client.get(public.get_absolute_url()).content.decode()
    assert "Add an action item" not in reader_page
    assert "csrfmiddlewaretoken" not in reader_page.split('<main id="main"')[1].split("</main>")[0]


def test_only_mine_on_the_board_is_each_owners_own(client):
    first, second = UserFactory(), UserFactory()
    ActionItemFactory(owner=first, title="Item of the first")
    ActionItemFactory(owner=second, title="Item of the second")
    for owner, mine, theirs in (
        (first, "the first", "the second"),
        (second, "the second", "the first"),
    ):
        client.force_login(owner)
        board = client.get(reverse("incidents:action_items"), {"mine": "on"}).content.decode()
        assert mine in board and theirs not in board


def test_the_document_is_reused_and_shows_a_recorded_change(
    logged_in_client, django_capture_on_commit_callbacks
):
    incident = IncidentFactory()
    url = reverse("postmortems:document", args=[incident.pk])
    assert "Rotate the certificates" not in logged_in_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_create(
            incident=incident,
            actor=incident.commander,
            data={"title": "Rotate the certificates", "kind": "prevent", "priority": "P2"},
        )
    assert "Rotate the certificates" in logged_in_client.get(url).content.decode()


def test_the_rule_compiled_once_answers_as_the_rule_for_every_kind_of_access():
    """Every way to see a private incident, and none, for people who differ only in that."""
    people = {name: UserFactory(username=name) for name in (
        "commander", "creator", "listed", "member", "manager", "author", "reviewer", "outsider",
    )}  # fmt: skip
    team = TeamFactory(manager=people["manager"])
    team.members.add(people["member"])
    incidents = [
        IncidentFactory(is_private=True, commander=people["commander"]),
        IncidentFactory(is_private=True, created_by=people["creator"]),
        IncidentFactory(is_private=True, allowed_users=[people["listed"]]),
        IncidentFactory(is_private=True, allowed_teams=[team]),
    ]
    # The commander is an author too: two ways to one incident, which is listed once.
    PostmortemFactory(incident=incidents[0], authors=[people["author"], people["commander"]])
    PostmortemFactory(incident=incidents[1], reviewers=[people["reviewer"]])
    IncidentFactory(is_private=False)
    admin = UserFactory(username="admin", is_superuser=True)
    for user in [*people.values(), admin]:
        compiled = private_incident_ids_for(user.pk)
        rule = Incident.objects.filter(visibility_condition(user.pk), is_private=True)
        assert sorted(compiled) == sorted(rule.values_list("pk", flat=True)), user.username
        assert sorted(private_incident_ids(user.pk)) == sorted(compiled), user.username
    assert private_incident_ids_for(people["outsider"].pk) == []
    assert private_incident_ids_for(people["commander"].pk) == [incidents[0].pk]
    assert private_incident_ids_for(people["manager"].pk) == [incidents[3].pk]
    assert sorted(private_incident_ids_for(admin.pk)) == sorted(i.pk for i in incidents)


def test_the_board_reads_only_the_columns_its_rows_show(client):
    owner = UserFactory(username="owner", first_name="Olive", last_name="Owner")
    ActionItemFactory(
        title="Rotate the keys",
        owner=owner,
        incident=IncidentFactory(title="Keys leaked", summary="A long summary " * 200),
    )
    client.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        board = client.get(reverse("incidents:action_items")).content.decode()
    assert "Rotate the keys" in board and "Keys leaked" in board and "Olive Owner" in board
    assert "{#" not in board and "{%" not in board, "a template comment or tag shown as text"
    (rows,) = [
        q["sql"] for q in captured if q["sql"].startswith('SELECT "incidents_actionitem"."id"')
    ]
    for column in ('"summary"', '"impact"', '"password"', '"description"'):
        assert column not in rows


@pytest.mark.parametrize("text", ["", "short", "x" * 50, "y" * 51, "Ünïcödé " * 10])
def test_a_row_cuts_a_title_as_django_truncatechars_does(text):
    assert rows._truncated(text, 50) == Truncator(text).chars(50)


def test_a_row_links_to_the_incident_as_its_own_url_does_under_a_script_prefix():
    incident = IncidentFactory()
    set_script_prefix("/postmortems-app/")
    try:
        assert rows._incident_paths()(incident.pk) == incident.get_absolute_url()
        assert incident.get_absolute_url().startswith("/postmortems-app/")
    finally:
        set_script_prefix("/")


def test_the_page_and_document_link_causes_and_items_as_the_database_does(
    client, django_assert_num_queries
):
    from incidents.selectors import fetch_document_rows, fetch_page_rows
    from tests.factories import CauseFactory

    incident = IncidentFactory()
    first, second, unaddressed = CauseFactory.create_batch(3, incident=incident)
    both = ActionItemFactory(incident=incident, title="Both")
    one = ActionItemFactory(incident=incident, title="First only")
    ActionItemFactory(incident=incident, title="Neither")
    both.causes.set([second, first])
    one.causes.set([first])
    elsewhere = ActionItemFactory(title="Another incident's")
    elsewhere.causes.set([CauseFactory(incident=elsewhere.incident)])

    def linked(fetched):
        return (
            {cause.pk: [i.pk for i in cause.action_items.all()] for cause in fetched.causes.all()},
            {item.pk: [c.pk for c in item.causes.all()] for item in fetched.action_items.all()},
        )

    truth = linked(Incident.objects.get(pk=incident.pk))
    assert truth[0] == {first.pk: [both.pk, one.pk], second.pk: [both.pk], unaddressed.pk: []}
    for fetch in (fetch_page_rows, fetch_document_rows):
        fetched = Incident.objects.select_related("postmortem").get(pk=incident.pk)
        fetch(fetched)
        with django_assert_num_queries(0):
            assert linked(fetched) == truth
    client.force_login(incident.commander)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    # The item row names the causes it addresses, the cause its items.
    assert page.count(f'href="#cause-{first.pk}"') == 2
    assert page.count(f'href="#cause-{second.pk}"') == 1
