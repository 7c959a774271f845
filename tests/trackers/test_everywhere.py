"""Where the issue shows: the board (state, filters, bulk create), the CSV, the document,
reminders; and what happens on publishing and importing."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from incidents import reminders
from incidents.models import ActionItem, TrackerIssue
from postmortems import services as postmortem_services
from tests.factories import ActionItemFactory, PostmortemFactory, UserFactory
from trackers.models import TrackerIssueCreation

pytestmark = pytest.mark.django_db


def issue_for(item, key="acme/web#7", state="open"):
    number = key.rpartition("#")[2]
    return TrackerIssue.objects.create(
        action_item=item, kind="github", key=key, state=state,
        url=f"https://github.com/acme/web/issues/{number}",
    )  # fmt: skip


@pytest.fixture
def three_items(item):
    closed_there = ActionItemFactory(incident=item.incident, title="Closed there")
    issue_for(closed_there, "acme/web#8", "closed")
    linked_open = ActionItemFactory(incident=item.incident, title="Linked and open")
    issue_for(linked_open, "acme/web#9", "open")
    return item, closed_there, linked_open


def board_titles(client, **query) -> list[str]:
    response = client.get(reverse("incidents:action_items"), query)
    return [i.title for i, _ in response.context["rows"]]


def test_the_board_shows_the_issue_and_filters_on_it(client, three_items):
    none_yet = three_items[0]
    client.force_login(none_yet.owner)
    page = client.get(reverse("incidents:action_items")).content.decode()
    assert "acme/web#8 · closed" in page and "acme/web#9 · open" in page
    assert board_titles(client, tracker="closed_open_here") == ["Closed there"]
    assert board_titles(client, tracker="none") == [none_yet.title]
    assert sorted(board_titles(client, tracker="linked")) == ["Closed there", "Linked and open"]


def test_the_board_with_issues_costs_no_query_per_row(client, item, django_assert_max_num_queries):
    for n in range(30):
        issue_for(ActionItemFactory(incident=item.incident, owner=item.owner), f"acme/web#{n + 10}")
    client.force_login(item.owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incidents:action_items"))
    assert response.content.decode().count("acme/web#") >= 30


def test_the_csv_carries_key_and_state(client, three_items):
    client.force_login(three_items[0].owner)
    response = client.get(reverse("incidents:action_items_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_title = {row["Action item"]: row for row in rows}
    assert by_title["Closed there"]["Tracker issue"] == "acme/web#8"
    assert by_title["Closed there"]["Tracker state"] == "Closed"
    assert by_title[three_items[0].title]["Tracker issue"] == ""


def test_the_document_lists_each_measure_with_its_issue(client, three_items):
    item = three_items[0]
    PostmortemFactory(incident=item.incident)
    client.force_login(item.owner)
    page = client.get(reverse("postmortems:document", args=[item.incident.pk])).content.decode()
    assert 'href="https://github.com/acme/web/issues/8"' in page
    assert "acme/web#8</a> (closed)" in page


def test_the_bulk_action_owes_an_issue_to_each_selected_item(
    client, manager, three_items, github, github_connection, django_capture_on_commit_callbacks
):
    none_yet, closed_there, _ = three_items
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("trackers:items_create"),
            {"items": [none_yet.pk, closed_there.pk], "next": "/incidents/action-items/"},
            follow=True,
        )
    assert "Creating 1 issue; 1 already had one." in response.content.decode()
    assert TrackerIssue.objects.get(action_item=none_yet).key == "acme/web#1"
    assert len(github.issues) == 1


def test_reminders_leave_out_items_whose_issue_is_closed(three_items):
    none_yet, closed_there, linked_open = three_items
    for each in three_items:
        each.due_date = date(2026, 3, 1)
        each.owner = none_yet.owner
        each.save()
    plan = reminders.plan_sweep(date(2026, 3, 2))
    reminded = plan.digests[none_yet.owner.pk]
    assert closed_there.pk not in reminded
    assert set(reminded) == {none_yet.pk, linked_open.pk}


def test_publishing_creates_issues_for_open_items_when_the_team_asked(
    manager, item, github, github_connection, django_capture_on_commit_callbacks
):
    github_connection.create_on_publish = True
    github_connection.save()
    ActionItemFactory(incident=item.incident, title="Already done", status="done")
    postmortem = PostmortemFactory(incident=item.incident, status="approved")
    with django_capture_on_commit_callbacks(execute=True):
        postmortem_services._set_status(
            postmortem, manager, postmortem.Status.PUBLISHED, event="postmortem.published"
        )
    assert [i["title"] for i in github.issues.values()] == ["Alert on replica lag"]


def test_publishing_a_private_incident_sends_nothing(
    manager, item, github, github_connection, django_capture_on_commit_callbacks
):
    github_connection.create_on_publish = True
    github_connection.save()
    item.incident.is_private = True
    item.incident.save()
    postmortem = PostmortemFactory(incident=item.incident, status="approved")
    with django_capture_on_commit_callbacks(execute=True):
        postmortem_services._set_status(
            postmortem, manager, postmortem.Status.PUBLISHED, event="postmortem.published"
        )
    assert github.issues == {} and not TrackerIssueCreation.objects.exists()


def test_an_imported_item_with_a_link_of_the_teams_tracker_is_linked_not_duplicated(
    manager, team, github, github_connection, django_capture_on_commit_callbacks
):
    from importing.parse import parse_postmortem
    from importing.saving import postmortem_import
    from incidents.services import incident_update

    number = github.add_issue("Alert on lag", state="closed")
    text = (
        "# Payments API outage\n\n## Action items\n\n"
        f"- [ ] Alert on lag https://github.com/acme/web/issues/{number}\n"
        "- [ ] Write the runbook https://tracker.example.com/T-1\n"
    )
    parsed = parse_postmortem(text, default_date=date(2026, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        incident = postmortem_import(parsed=parsed, actor=manager)
    items = {i.title: i for i in ActionItem.objects.filter(incident=incident)}
    assert items["Alert on lag"].tracker_url.endswith(f"/issues/{number}")
    # Imported documents name no team; the link follows once the incident has one.
    with django_capture_on_commit_callbacks(execute=True):
        incident_update(incident=incident, actor=manager, data={"team": team},
                        expected_version=incident.version)  # fmt: skip
    linked = TrackerIssue.objects.get(action_item=items["Alert on lag"])
    assert (linked.key, linked.state) == (f"acme/web#{number}", "closed")
    assert not TrackerIssue.objects.filter(action_item=items["Write the runbook"]).exists()
    items["Alert on lag"].refresh_from_db()
    assert items["Alert on lag"].status == "done"
    assert len(github.issues) == 1


def test_the_incident_page_shows_the_issue_and_its_history_as_sentences(client, item):
    issue_for(item)
    client.force_login(item.owner)
    page = client.get(item.incident.get_absolute_url()).content.decode()
    assert "acme/web#7 · open" in page
    assert reverse("trackers:item", args=[item.pk]) in page


def test_an_outsider_sees_no_private_item_on_the_board_or_csv(client, three_items):
    incident = three_items[0].incident
    incident.is_private = True
    incident.save()
    client.force_login(UserFactory(username="outsider"))
    assert board_titles(client, tracker="linked") == []
    response = client.get(reverse("incidents:action_items_csv"))
    assert "acme/web#8" not in b"".join(response.streaming_content).decode()


def test_the_bulk_action_goes_back_only_to_a_page_of_this_site(client, manager, item):
    client.force_login(manager)
    for target in ("https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com/"):
        response = client.post(
            reverse("trackers:items_create"), {"items": [item.pk], "next": target}
        )
        assert response["Location"] == reverse("incidents:action_items")
