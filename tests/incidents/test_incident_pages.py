from datetime import UTC, datetime

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from incidents.models import ActionItem, Cause, Incident, TimelineEvent
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commander_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


def test_incident_list_shows_newest_first_and_finds_by_reference(logged_in_client):
    old = IncidentFactory(title="Old outage", started_at=datetime(2026, 1, 1, tzinfo=UTC))
    new = IncidentFactory(title="New outage", started_at=datetime(2026, 2, 1, tzinfo=UTC))
    page = logged_in_client.get(reverse("incidents:list")).content.decode()
    assert page.index("New outage") < page.index("Old outage")

    found = logged_in_client.get(reverse("incidents:list"), {"q": old.reference}).content.decode()
    assert "Old outage" in found and "New outage" not in found
    by_title = logged_in_client.get(reverse("incidents:list"), {"q": "new out"}).content.decode()
    assert "New outage" in by_title and new.reference in by_title and "Old outage" not in by_title


def test_incident_list_filters_by_service_and_date(logged_in_client):
    web = ServiceFactory(name="web")
    IncidentFactory(title="Web down", services=[web], started_at=datetime(2026, 3, 5, tzinfo=UTC))
    IncidentFactory(title="Other thing", started_at=datetime(2026, 3, 20, tzinfo=UTC))
    page = logged_in_client.get(reverse("incidents:list"), {"service": web.pk}).content.decode()
    assert "Web down" in page and "Other thing" not in page
    page = logged_in_client.get(
        reverse("incidents:list"), {"started_after": "2026-03-10"}
    ).content.decode()
    assert "Other thing" in page and "Web down" not in page


def test_incident_list_query_count_does_not_grow_with_rows(
    logged_in_client, django_assert_max_num_queries
):
    services = [ServiceFactory() for _ in range(3)]
    for _ in range(30):
        IncidentFactory(services=services)
    # 9: one is the viewer's private incidents, asked once per request (models._visible_to)
    # so that the count and the rows need not each carry the visibility rule's subplans.
    with django_assert_max_num_queries(9):
        response = logged_in_client.get(reverse("incidents:list"), {"status": "resolved"})
    assert response.status_code == 200
    assert response.content.decode().count("INC-") >= 25


def test_incident_page_query_count_does_not_grow_with_events_and_items(
    logged_in_client, django_assert_max_num_queries
):
    incident = IncidentFactory()
    PostmortemFactory(incident=incident, authors=[UserFactory()], reviewers=[UserFactory()])
    for _ in range(40):
        TimelineEventFactory(incident=incident)
        ActionItemFactory(incident=incident)
        CauseFactory(incident=incident)
        ChangeRecord.objects.create(
            incident=incident,
            actor=UserFactory(),
            action="updated",
            object_type="x",
            object_repr="y",
        )
    # 17 (the causes' tags included), two for similar incidents (the candidates and the
    # "same root cause" links), and the viewer's private incidents, asked once for the page.
    with django_assert_max_num_queries(20):
        response = logged_in_client.get(incident.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('id="action-item-') == 40


def test_create_incident_reads_times_in_the_chosen_zone(commander_client):
    response = commander_client.post(
        reverse("incidents:create"),
        {
            "title": "Website outage",
            "severity": "SEV1",
            "status": "resolved",
            "time_zone": "Etc/GMT-2",
            "started_at": "2026-03-10T09:00",
            "detected_at": "2026-03-10T09:00",
            "mitigated_at": "2026-03-10T12:30",
            "resolved_at": "2026-03-10T13:00",
            "commander": commander_client.user.pk,
        },
    )
    incident = Incident.objects.get(title="Website outage")
    assert response.status_code == 302
    assert incident.started_at == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert incident.duration.total_seconds() == 4 * 3600
    assert incident.postmortem.authors.get() == commander_client.user
    assert incident.changes.get().action == "created"


def test_a_new_incident_starts_in_the_authors_own_zone(client):
    client.force_login(UserFactory(time_zone="America/Chicago"))
    page = client.get(reverse("incidents:create")).content.decode()
    assert '<option value="America/Chicago" selected>' in page


def test_a_new_incident_starts_in_the_authors_only_team_and_in_none_with_several(client):
    author = UserFactory()
    team = TeamFactory(name="Payments", members=[author])
    client.force_login(author)
    page = client.get(reverse("incidents:create")).content.decode()
    assert f'<option value="{team.pk}" selected>Payments</option>' in page
    TeamFactory(name="Search", members=[author])
    page = client.get(reverse("incidents:create")).content.decode()
    assert f'<option value="{team.pk}" selected>' not in page
    assert '<option value="" selected>' in page


def test_create_incident_with_times_out_of_order_keeps_input_and_says_why(commander_client):
    response = commander_client.post(
        reverse("incidents:create"),
        {
            "title": "",
            "severity": "SEV2",
            "status": "investigating",
            "time_zone": "UTC",
            "started_at": "2026-03-10T09:00",
            "detected_at": "2026-03-10T08:00",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Must not be before started at." in page
    assert 'value="2026-03-10T08:00"' in page
    assert not Incident.objects.exists()


def _editor(incident):
    return incident.commander


def test_add_timeline_event_in_another_zone_is_stored_in_utc(client):
    incident = IncidentFactory(time_zone="Etc/GMT-2")
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": "2026-03-10T11:30",
            "event-entry_zone": "Etc/GMT-2",
            "event-kind": "escalation",
            "event-description": "Escalated to senior engineers.",
        },
    )
    assert response.status_code == 302
    event = incident.timeline_events.get()
    assert event.occurred_at == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert incident.changes.filter(object_type="timeline event", action="created").exists()


def test_htmx_add_returns_only_the_section_and_history(client):
    incident = IncidentFactory(time_zone="Europe/Berlin")
    incident.commander.time_zone = "Asia/Tokyo"
    incident.commander.save()
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": "2026-03-10T09:30",
            "event-entry_zone": "UTC",
            "event-kind": "hypothesis",
            "event-is_dead_end": "on",
            "event-description": "Maybe the cache.",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="timeline"' in page and "Dead end" in page
    assert 'id="history" aria-labelledby="history-title" class="section" hx-swap-oob="true"' in page
    history = page[page.index('id="history"') :]
    # The history reads in the incident's zone, as on the full page, not in the editor's.
    assert ("CET" in history or "CEST" in history) and "JST" not in history


def test_event_outside_the_incident_window_is_refused_next_to_the_field(client):
    incident = IncidentFactory()
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": "2026-05-10T09:30",
            "event-entry_zone": "UTC",
            "event-kind": "action",
            "event-description": "Typo in the month.",
        },
    )
    page = response.content.decode()
    assert "more than a day outside the incident" in page
    assert "Typo in the month." in page
    assert not TimelineEvent.objects.exists()


def test_new_action_item_with_unknown_owner_is_refused_and_a_past_due_date_is_already_overdue(
    client,
):
    incident = IncidentFactory()
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:item_create", args=[incident.pk]),
        {
            "item-title": "Add monitoring",
            "item-kind": "detect",
            "item-priority": "P2",
            "item-owner": "999999",
            "item-due_date": "2000-01-01",
            "item-status": "open",
        },
    )
    page = response.content.decode()
    assert "Pick an owner from the list of users." in page
    assert "Already overdue: 01 Jan 2000 is before today" in page
    assert 'value="Add monitoring"' in page
    assert not ActionItem.objects.exists()


def test_someone_who_is_not_an_editor_gets_403(logged_in_client):
    incident = IncidentFactory()
    response = logged_in_client.post(
        reverse("incidents:cause_create", args=[incident.pk]),
        {"cause-role": "root", "cause-category": "capacity", "cause-description": "x"},
    )
    assert response.status_code == 403
    assert "You may not do that" in response.content.decode()
    assert logged_in_client.get(reverse("incidents:edit", args=[incident.pk])).status_code == 403


def test_reorder_and_delete_causes_are_recorded(client):
    incident = IncidentFactory()
    first = CauseFactory(incident=incident, description="first", position=0)
    second = CauseFactory(incident=incident, description="second", position=1)
    client.force_login(incident.commander)
    client.post(reverse("incidents:cause_move", args=[incident.pk, second.pk]), {"direction": "up"})
    assert list(incident.causes.values_list("description", flat=True)) == ["second", "first"]
    client.post(reverse("incidents:cause_delete", args=[incident.pk, first.pk]))
    assert list(incident.causes.values_list("description", flat=True)) == ["second"]
    notes = list(incident.changes.values_list("action", "note"))
    assert ("deleted", "") in notes and ("updated", "moved up") in notes


def test_second_incident_save_is_refused_and_keeps_the_second_persons_text(client):
    incident = IncidentFactory(title="Original")
    client.force_login(incident.commander)
    form = {
        "title": "Mine",
        "severity": "SEV2",
        "status": "resolved",
        "time_zone": "UTC",
        "started_at": "2026-03-10T09:00",
        "resolved_at": "2026-03-10T11:00",
        "commander": incident.commander.pk,
        "version": incident.version,
    }
    assert (
        client.post(
            reverse("incidents:edit", args=[incident.pk]), {**form, "title": "Theirs"}
        ).status_code
        == 302
    )
    response = client.post(reverse("incidents:edit", args=[incident.pk]), form)
    page = response.content.decode()
    assert "Someone else saved first" in page
    assert "Theirs" in page  # what changed
    assert 'value="Mine"' in page  # my text kept
    incident.refresh_from_db()
    assert incident.title == "Theirs"


def test_published_postmortem_makes_the_incident_read_only(client):
    incident = IncidentFactory()
    PostmortemFactory(incident=incident, status="published")
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:cause_create", args=[incident.pk]),
        {"cause-role": "root", "cause-category": "capacity", "cause-description": "x"},
    )
    assert response.status_code == 403


def test_incident_list_pages_keep_the_filters(logged_in_client):
    for _ in range(30):
        IncidentFactory(severity="SEV1")
    IncidentFactory(title="Minor blip", severity="SEV4")
    first = logged_in_client.get(reverse("incidents:list"), {"severity": "SEV1"}).content.decode()
    assert "Page 1 of 2" in first
    assert "?severity=SEV1&amp;page=2" in first
    second = logged_in_client.get(
        reverse("incidents:list"), {"severity": "SEV1", "page": 2}
    ).content.decode()
    assert second.count("<tr>") == 1 + 5  # header and five rows
    assert "Minor blip" not in second


def test_demo_example_pages_show_the_timeline_in_gmt_plus_2(client):
    from datetime import date

    from postmortems.demo import load_demo

    example = load_demo(today=date(2026, 3, 31)).example
    client.force_login(example.commander)
    page = client.get(example.get_absolute_url()).content.decode()
    assert "09:00" in page and "13:00" in page and "Dead end" in page
    # Published: the commander reads but cannot edit until someone reopens it.
    assert "Edit incident" not in page
    review = client.get(reverse("postmortems:review", args=[example.pk])).content.decode()
    assert "Reopen for editing" in review


def test_action_item_is_edited_in_place_as_a_table_row(client):
    item = ActionItemFactory(title="Old title")
    client.force_login(item.incident.commander)
    url = reverse("incidents:item_edit", args=[item.incident.pk, item.pk])

    form_row = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert form_row.startswith(f'<tr id="edit-action_items-{item.pk}"')
    assert "<html" not in form_row

    page = client.get(reverse("incidents:detail", args=[item.incident.pk])).content.decode()
    assert f'hx-get="{url}" hx-target="#action-item-{item.pk}"' in page


def _second_save_is_refused(client, url, prefix, form, field, read_back):
    """Two people loaded the same row; the first saves "Theirs", the second "Mine"."""
    assert client.post(url, {**form, f"{prefix}-{field}": "Theirs"}).status_code == 302
    response = client.post(url, form, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Someone else saved first" in page
    assert page.count("Someone else saved this while you were editing") == 1  # said once
    assert "Theirs" in page  # what they changed
    assert "Mine" in page  # my text is still in the form
    assert response["HX-Retarget"].startswith("#edit-")  # the form stays where it was
    assert f'name="{prefix}-version" value="2"' in page
    assert read_back() == "Theirs"
    # Saving again is a deliberate choice, and it goes through.
    assert client.post(url, {**form, f"{prefix}-version": 2}).status_code == 302
    assert read_back() == "Mine"


def test_second_save_of_a_timeline_event_is_refused_and_keeps_the_text(client):
    incident = IncidentFactory(time_zone="UTC")
    event = TimelineEventFactory(incident=incident, description="Original")
    client.force_login(incident.commander)
    prefix = f"event-{event.pk}"
    form = {
        f"{prefix}-occurred_at": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
        f"{prefix}-entry_zone": "UTC",
        f"{prefix}-kind": "action",
        f"{prefix}-description": "Mine",
        f"{prefix}-version": 1,
    }
    url = reverse("incidents:event_edit", args=[incident.pk, event.pk])
    _second_save_is_refused(
        client,
        url,
        prefix,
        form,
        "description",
        lambda: TimelineEvent.objects.get(pk=event.pk).description,
    )


def test_second_save_of_a_cause_is_refused_and_keeps_the_text(client):
    cause = CauseFactory(description="Original")
    client.force_login(cause.incident.commander)
    prefix = f"cause-{cause.pk}"
    form = {
        f"{prefix}-role": "root",
        f"{prefix}-category": "configuration",
        f"{prefix}-description": "Mine",
        f"{prefix}-resolution": "",
        f"{prefix}-version": 1,
    }
    url = reverse("incidents:cause_edit", args=[cause.incident_id, cause.pk])
    _second_save_is_refused(
        client, url, prefix, form, "description", lambda: Cause.objects.get(pk=cause.pk).description
    )


def _incident_form(user, zone, started):
    return {
        "title": "Clock change outage",
        "severity": "SEV2",
        "status": "investigating",
        "time_zone": zone,
        "started_at": started,
        "commander": user.pk,
    }


def test_times_are_read_in_the_chosen_zone_not_the_readers(client):
    # 02:30 on 29 March 2026 never happened in Berlin, but it did in UTC.
    user = UserFactory(time_zone="Europe/Berlin")
    client.force_login(user)
    response = client.post(
        reverse("incidents:create"), _incident_form(user, "UTC", "2026-03-29T02:30")
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title="Clock change outage")
    assert incident.started_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_a_time_skipped_by_daylight_saving_is_refused_next_to_the_field(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("incidents:create"), _incident_form(user, "Europe/Berlin", "2026-03-29T02:30")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-03-29 02:30 never happened in Europe/Berlin" in page
    assert 'value="2026-03-29T02:30"' in page  # the typed time is kept
    assert not Incident.objects.filter(title="Clock change outage").exists()


def test_a_timeline_event_in_the_daylight_saving_gap_is_refused(client):
    incident = IncidentFactory(
        started_at=datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        detected_at=None,
        mitigated_at=None,
        resolved_at=None,
        status="investigating",
    )
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": "2026-03-29T02:15",
            "event-entry_zone": "Europe/Berlin",
            "event-kind": "action",
            "event-description": "Restarted the load balancer.",
        },
    )
    page = response.content.decode()
    assert "2026-03-29 02:15 never happened in Europe/Berlin" in page
    assert "Restarted the load balancer." in page
    assert not incident.timeline_events.exists()


def _incident_page_for_its_commander(client, rows: int):
    incident = IncidentFactory()
    for _ in range(rows):
        TimelineEventFactory(incident=incident)
        CauseFactory(incident=incident)
        ActionItemFactory(incident=incident)
    client.force_login(incident.commander)
    return incident


def test_incident_page_fetches_row_edit_forms_when_opened_and_stays_light(
    client, django_assert_max_num_queries
):
    one = _incident_page_for_its_commander(client, 1)
    small = client.get(one.get_absolute_url()).content.decode()
    many = _incident_page_for_its_commander(client, 40)
    # 120 rows in a fixed number of queries; 23 with the similar-incidents panel, which
    # shows the first incident here (its rows' prefetches included, the causes' tags too);
    # 24 with the viewer's private incidents, asked once for the page's queries.
    with django_assert_max_num_queries(24):
        response = client.get(many.get_absolute_url())
    page = response.content.decode()
    # The add forms are on the page; a row's edit form only comes with its Edit link.
    for field in ("<textarea", "<select", 'name="version"', "-version"):
        assert page.count(field) == small.count(field), field
    edit = reverse("incidents:event_edit", args=[many.pk, many.timeline_events.first().pk])
    assert f'hx-get="{edit}"' in page
    # About 2.1 KB today, half of it the move and delete buttons' forms with their tokens.
    per_row = (len(page) - len(small)) / (39 * 3)
    assert per_row < 2500, f"{per_row:.0f} bytes per event, cause or action item"
