import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from incidents import dashboard_counts
from incidents.dashboard import DashboardScope, dashboard
from incidents.models import ActionItem, Incident
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


@pytest.fixture
def manager(client):
    boss = UserFactory(username="boss")
    TeamFactory(name="Managed", manager=boss)
    client.force_login(boss)
    return boss


def board(client, **params):
    response = client.get(reverse("incidents:action_items"), params)
    assert response.status_code == 200
    return [item.title for item, _ in response.context["rows"]]


def test_board_filters_by_status_owner_and_mine(client, manager):
    ann = UserFactory(username="ann")
    ActionItemFactory(title="Ann open", owner=ann)
    ActionItemFactory(title="Ann doing", owner=ann, status=ActionItem.Status.IN_PROGRESS)
    done = ActionItemFactory(title="Boss done", owner=manager)
    done.set_status("done")
    done.save()

    assert board(client, status="in_progress") == ["Ann doing"]
    assert sorted(board(client, owner="ann")) == ["Ann doing", "Ann open"]
    assert board(client, mine="on") == ["Boss done"]
    assert sorted(board(client, status=["open", "in_progress"])) == ["Ann doing", "Ann open"]


def test_board_filters_by_team_service_and_severity_of_the_incident(client, manager):
    team = TeamFactory(name="Payments")
    service = ServiceFactory(name="checkout")
    ActionItemFactory(title="Team item", incident=IncidentFactory(team=team))
    ActionItemFactory(title="Service item", incident=IncidentFactory(services=[service]))
    ActionItemFactory(title="Sev1 item", incident=IncidentFactory(severity="SEV1"))

    assert board(client, team=team.pk) == ["Team item"]
    assert board(client, service=service.pk) == ["Service item"]
    assert board(client, severity="SEV1") == ["Sev1 item"]


def test_board_filters_by_kind_priority_and_free_text(client, manager):
    incident = IncidentFactory(title="Database failover")
    ActionItemFactory(title="Alert on lag", kind="detect", priority="P1", incident=incident)
    ActionItemFactory(title="Write runbook", kind="documentation", priority="P4")

    assert board(client, kind="detect") == ["Alert on lag"]
    assert board(client, priority="P4") == ["Write runbook"]
    assert board(client, q="failover") == ["Alert on lag"]
    assert board(client, q=incident.reference) == ["Alert on lag"]
    assert board(client, q="runbook") == ["Write runbook"]


def test_board_filters_by_due_dates_overdue_and_due_within(client, manager):
    ActionItemFactory(title="Late", due_date=TODAY - timedelta(days=3))
    ActionItemFactory(title="Soon", due_date=TODAY + timedelta(days=2))
    ActionItemFactory(title="Later", due_date=TODAY + timedelta(days=20))
    finished = ActionItemFactory(title="Late but done", due_date=TODAY - timedelta(days=9))
    finished.set_status("done")
    finished.save()

    assert board(client, overdue="on") == ["Late"]
    assert board(client, due_within=2) == ["Late", "Soon"]
    assert board(client, due_after=TODAY.isoformat()) == ["Soon", "Later"]
    assert board(client, due_before=TODAY.isoformat()) == ["Late but done", "Late"]


def test_board_filters_by_incident_date_range(client, manager):
    utc = ZoneInfo("UTC")
    old = IncidentFactory(started_at=datetime(2025, 1, 5, 10, tzinfo=utc))
    new = IncidentFactory(started_at=datetime(2026, 3, 1, 10, tzinfo=utc))
    ActionItemFactory(title="Old incident item", incident=old)
    ActionItemFactory(title="New incident item", incident=new)
    assert board(client, incident_from="2026-01-01") == ["New incident item"]
    assert board(client, incident_to="2025-12-31") == ["Old incident item"]


def test_board_sorts_and_counts_matches_by_status(client, manager):
    ActionItemFactory(title="B", priority="P1")
    ActionItemFactory(title="A", priority="P3", status="in_progress")
    assert board(client, sort="title") == ["A", "B"]
    assert board(client, sort="-title") == ["B", "A"]
    response = client.get(reverse("incidents:action_items"))
    assert response.context["counts"] == {"open": 1, "in_progress": 1, "done": 0, "wont_do": 0}


def test_board_shows_days_overdue(client, manager):
    ActionItemFactory(title="Late", due_date=TODAY - timedelta(days=4))
    body = client.get(reverse("incidents:action_items")).content.decode()
    assert "4 days overdue" in body


def test_board_runs_a_fixed_number_of_queries(client, manager, django_assert_max_num_queries):
    for _ in range(40):
        ActionItemFactory(incident=IncidentFactory(team=TeamFactory()))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incidents:action_items"), {"status": "open"})
    assert len(response.context["rows"]) == 40


def test_board_of_fifty_rows_weighs_under_60_kib_and_fetches_its_forms_when_opened(
    client, manager, django_assert_max_num_queries
):
    for n in range(300):
        UserFactory(username=f"person-{n}", first_name="Person", last_name=f"Number {n}")
    for _ in range(60):
        ActionItemFactory(incident=IncidentFactory(team=TeamFactory()))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incidents:action_items"), {"status": "open"})
    body = response.content
    assert len(response.context["rows"]) == 50
    assert len(body) < 60 * 1024, f"{len(body) / 1024:.1f} KiB"
    assert b"person-299" not in body  # the owners come with the first focus
    rows = body.split(b"<tbody")[1]
    assert b"<form" not in rows and b"<select" not in rows  # forms come when opened
    item = response.context["rows"][0][0]
    quick = reverse("incidents:action_item_quick_form", args=[item.pk, "owner"])
    assert quick == f"{reverse('incidents:action_items')}{item.pk}/owner/"  # rows link relatively
    assert f'<a href="{item.pk}/owner/">'.encode() in rows


def test_quick_forms_and_owner_options_are_fetched_from_the_row(client, manager):
    item = ActionItemFactory(title="Rotate keys", owner=UserFactory(username="ann"))
    url = reverse("incidents:action_item_quick_form", args=[item.pk, "owner"])
    owner = client.get(
        url,
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/incidents/action-items/?status=open",
        },
    )
    assert b'value="ann"' in owner.content
    assert b'name="next" value="/incidents/action-items/?status=open"' in owner.content
    assert b"<html" not in owner.content
    url = reverse("incidents:action_item_quick_form", args=[item.pk, "status"])
    status = client.get(url, headers={"Referer": "https://evil.example/incidents/"})
    assert b"<html" in status.content  # without JavaScript, a page of its own
    assert b'<option value="open" selected>' in status.content
    assert b'name="next" value="/incidents/action-items/"' in status.content
    options = client.get(reverse("incidents:action_item_owner_options"))
    assert b'<option value="ann">' in options.content


def test_csv_exports_exactly_what_the_filter_shows_and_defuses_formulas(client, manager):
    ActionItemFactory(title="=cmd|' /C calc'!A0", kind="detect")
    ActionItemFactory(title="Kept out by the filter", kind="process")
    response = client.get(reverse("incidents:action_items_csv"), {"kind": "detect"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["Incident", "Incident title", "Severity", "Team", "Action item"]
    assert len(rows) == 2
    assert rows[1][4] == "'=cmd|' /C calc'!A0"


def test_quick_update_changes_status_and_records_history(client, manager):
    item = ActionItemFactory()
    client.post(
        reverse("incidents:action_item_quick_update", args=[item.pk]),
        {"status": "done", "next": "/incidents/action-items/?kind=prevent"},
    )
    item.refresh_from_db()
    assert item.status == "done" and item.completed_at is not None
    assert item.incident.changes.get().changes == {"status": ["Open", "Done"]}


def test_quick_update_with_a_bad_value_says_why_and_changes_nothing(client, manager):
    item = ActionItemFactory(title="Rotate keys")
    response = client.post(
        reverse("incidents:action_item_quick_update", args=[item.pk]),
        {"status": "finished-ish"},
        follow=True,
    )
    text = " ".join(str(message) for message in response.context["messages"])
    assert "Rotate keys: Select a valid choice. finished-ish is not one of the available" in text
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/incidents/action-items/?kind=prevent", "/incidents/action-items/?kind=prevent"),
        ("0", "/incidents/action-items/"),  # a bare word is no view name to look up
        ("https://evil.example/", "/incidents/action-items/"),
        ("//evil.example/", "/incidents/action-items/"),
    ],
)
def test_quick_update_goes_back_only_to_a_page_of_this_site(client, manager, next_url, lands_on):
    item = ActionItemFactory()
    response = client.post(
        reverse("incidents:action_item_quick_update", args=[item.pk]),
        {"status": "done", "next": next_url},
    )
    assert response.status_code == 302 and response.url == lands_on


def test_quick_update_by_someone_who_may_not_edit_is_forbidden(client):
    item = ActionItemFactory()
    client.force_login(UserFactory(username="bystander"))
    response = client.post(
        reverse("incidents:action_item_quick_update", args=[item.pk]), {"status": "done"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


def test_bulk_reassign_checks_permission_item_by_item(client):
    owner = UserFactory(username="owner")
    target = UserFactory(username="target")
    mine = ActionItemFactory(title="Mine", owner=owner)
    theirs = ActionItemFactory(title="Not mine")
    client.force_login(owner)

    response = client.post(
        reverse("incidents:action_items_bulk"),
        {"items": [mine.pk, theirs.pk], "action": "reassign", "owner": "target"},
        follow=True,
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.owner == target
    assert theirs.owner != target
    assert (
        "Changed 1 action item; refused 1 you may not edit: Not mine." in response.content.decode()
    )


def test_bulk_status_and_due_date_changes_by_a_manager(client, manager):
    items = ActionItemFactory.create_batch(2)
    client.post(
        reverse("incidents:action_items_bulk"),
        {"items": [i.pk for i in items], "action": "move_due", "due_date": "2026-05-01"},
    )
    client.post(
        reverse("incidents:action_items_bulk"),
        {"items": [i.pk for i in items], "action": "status", "status": "wont_do"},
    )
    assert set(ActionItem.objects.values_list("due_date", "status")) == {
        (date(2026, 5, 1), "wont_do")
    }


def test_reassigning_to_someone_who_is_not_a_user_names_the_problem(client, manager):
    item = ActionItemFactory()
    response = client.post(
        reverse("incidents:action_item_quick_update", args=[item.pk]),
        {"owner": "ghost"},
        follow=True,
    )
    assert "ghost is not a user of this app" in response.content.decode()
    item.refresh_from_db()
    assert item.owner.username != "ghost"


def test_bulk_change_without_a_value_says_what_is_missing(client, manager):
    item = ActionItemFactory()
    response = client.post(
        reverse("incidents:action_items_bulk"),
        {"items": [item.pk], "action": "reassign"},
        follow=True,
    )
    assert "Choose the new value for the selected items." in response.content.decode()


def test_calendar_feed_lists_open_due_dates_and_validates(client):
    owner = UserFactory(username="cal")
    ActionItemFactory(title="Rotate keys", owner=owner, due_date=date(2026, 4, 2))
    done = ActionItemFactory(title="Finished", owner=owner, due_date=date(2026, 4, 3))
    done.set_status("done")
    done.save()
    ActionItemFactory(title="Someone else's", due_date=date(2026, 4, 4))

    response = client.get(reverse("incidents:calendar_feed", args=[owner.calendar_token]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        f"Due: Rotate keys ({ActionItem.objects.get(title='Rotate keys').incident.reference})"
    ]
    assert events[0].decoded("DTSTART") == date(2026, 4, 2)


def test_calendar_feed_with_a_wrong_or_revoked_token_is_404(client):
    owner = UserFactory()
    old_token = owner.calendar_token
    assert client.get(reverse("incidents:calendar_feed", args=["nope"])).status_code == 404
    client.force_login(owner)
    client.post(reverse("incidents:calendar_regenerate"))
    client.logout()
    assert client.get(reverse("incidents:calendar_feed", args=[old_token])).status_code == 404
    owner.refresh_from_db()
    assert (
        client.get(reverse("incidents:calendar_feed", args=[owner.calendar_token])).status_code
        == 200
    )


def test_dashboard_numbers_on_a_known_data_set():
    utc = ZoneInfo("UTC")
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    feb = datetime(2026, 2, 10, 9, tzinfo=utc)
    for minutes, team in ((10, red), (20, red), (30, blue), (40, blue), (100, blue)):
        IncidentFactory(
            team=team,
            severity="SEV1" if team is red else "SEV2",
            started_at=feb,
            detected_at=feb + timedelta(minutes=minutes),
            mitigated_at=feb + timedelta(minutes=minutes * 2),
            resolved_at=feb + timedelta(minutes=minutes * 3),
        )
    red_incident = Incident.objects.filter(team=red).first()
    blue_incident = Incident.objects.filter(team=blue).first()
    ActionItemFactory(incident=red_incident, owner=ann, due_date=TODAY - timedelta(days=1))
    ActionItemFactory(incident=red_incident, owner=ann, due_date=TODAY + timedelta(days=1))
    ActionItemFactory(incident=blue_incident, owner=bob, due_date=TODAY - timedelta(days=30))
    dashboard_counts.rebuild()  # factories record no events: count what they made

    data = dashboard(DashboardScope(), TODAY)

    assert data["by_team"] == [
        {"label": "Red", "open": 2, "overdue": 1},
        {"label": "Blue", "open": 1, "overdue": 1},
    ]
    assert [(r["label"], r["open"], r["overdue"]) for r in data["by_owner"]][:2] == [
        (ann.get_full_name(), 2, 1),
        (bob.get_full_name(), 1, 1),
    ]
    february = next(r for r in data["monthly_severity"] if r["label"] == "Feb 2026")
    assert (february["SEV1"], february["SEV2"], february["total"]) == (2, 3, 5)
    times = next(r for r in data["response_times"] if r["label"] == "Feb 2026")
    assert times["incidents"] == 5
    assert times["detect_median"] == 30
    assert times["detect_p90"] == 76  # 40 + 0.6 * (100 - 40)
    assert times["resolve_median"] == 90
    assert [item.due_date for item, _ in data["oldest_overdue"]] == [
        TODAY - timedelta(days=30),
        TODAY - timedelta(days=1),
    ]
    scoped = dashboard(DashboardScope(team=red), TODAY)
    assert scoped["by_team"] == [{"label": "Red", "open": 2, "overdue": 1}]


def test_dashboard_page_shows_charts_and_tables_in_fixed_queries(
    client, manager, django_assert_max_num_queries
):
    for _ in range(20):
        ActionItemFactory(incident=IncidentFactory(team=TeamFactory()))
    dashboard_counts.rebuild()
    with django_assert_max_num_queries(15):
        response = client.get(reverse("incidents:dashboard"))
    body = response.content.decode()
    assert body.count("<svg viewBox") == 5
    assert "Oldest overdue action items" in body


def test_dashboard_is_reused_until_a_change_is_recorded(
    client, manager, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    item = ActionItemFactory(incident=IncidentFactory(team=TeamFactory(manager=manager)))
    dashboard_counts.rebuild()
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("incidents:dashboard"))
    with django_assert_max_num_queries(len(first) - 6):  # the figures come from the cache
        again = client.get(reverse("incidents:dashboard"))
    assert again.context["open_total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("incidents:action_item_quick_update", args=[item.pk]), {"status": "done"}
        )
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse("incidents:dashboard"))
    assert len(after) == len(first)  # computed afresh
    assert response.context["open_total"] == 0


def test_dashboard_figures_are_per_viewer_once_an_incident_is_private(client):
    private = IncidentFactory(is_private=True)
    ActionItemFactory(incident=private)
    ActionItemFactory()
    dashboard_counts.rebuild()
    client.force_login(private.commander)
    assert client.get(reverse("incidents:dashboard")).context["open_total"] == 2
    client.force_login(UserFactory())
    assert client.get(reverse("incidents:dashboard")).context["open_total"] == 1


def test_column_chart_labels_never_overlap_however_many_columns():
    from itertools import pairwise

    from incidents.charts import columns

    months = [{"label": f"Month {n:02d}", "value": n} for n in range(24)]
    chart = columns(months, ["value"])
    positions = [label["x"] for label in chart["labels"]]
    label_width = len("Month 00") * 6
    assert len(chart["bars"]) == 24  # every column is drawn, only labels are thinned
    assert all(b - a >= label_width for a, b in pairwise(positions))
    assert chart["labels"][0]["text"] == "Month 00"


def test_charts_have_a_value_axis_with_round_whole_ticks_for_counts(logged_in_client):
    from incidents.charts import columns, horizontal_bars, nice_ticks

    assert nice_ticks(8, whole=True) == [0, 2, 4, 6, 8]
    assert nice_ticks(1, whole=True) == [0, 1]
    assert nice_ticks(255) == [0, 100, 200, 300]
    chart = columns([{"label": "Sep", "n": 3}, {"label": "Oct", "n": 7}], ["n"])
    assert [t["text"] for t in chart["ticks"]] == ["0", "2", "4", "6", "8"]
    # The tallest bar reaches the top tick, not the top of the plot.
    tallest = max(chart["bars"], key=lambda bar: bar.height)
    eight = chart["ticks"][-1]["y1"]
    assert tallest.y > eight
    bars = horizontal_bars([{"label": "Web", "open": 5}], ["open"], unit=" items")
    assert [t["text"] for t in bars["ticks"]] == ["0", "2", "4", "6"]
    assert bars["unit"] == "items"
    page = logged_in_client.get(reverse("incidents:dashboard")).content.decode()
    assert 'class="chart-axis"' in page or "Nothing to chart" in page
