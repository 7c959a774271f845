"""Private incidents: who may see one, and every list, feed, email and file leaving it out.

Every URL of a private incident answering 404 to outsiders is in tests/test_authorization.py.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import dashboard_counts, reminders
from incidents.dashboard import DashboardScope, dashboard
from incidents.models import ActionItem, Incident, ReminderDelivery
from incidents.permissions import can_edit_incident, can_view_incident
from incidents.tracking import calendar_feed
from postmortems.exporting.backup import export_data
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 18)


@pytest.fixture
def people():
    """A private incident and one person for each way of being allowed, or not."""
    named = {
        name: UserFactory(username=name)
        for name in (
            "listed",
            "team_member",
            "team_manager",
            "commander",
            "creator",
            "author",
            "reviewer",
            "superuser",
            "other_manager",
            "nobody",
        )
    }
    named["superuser"].is_superuser = True
    named["superuser"].save()
    listed_team = TeamFactory(manager=named["team_manager"], members=[named["team_member"]])
    TeamFactory(manager=named["other_manager"], members=[named["nobody"]])
    incident = IncidentFactory(
        title="Secret incident",
        is_private=True,
        commander=named["commander"],
        created_by=named["creator"],
        team=TeamFactory(manager=named["other_manager"]),
        allowed_users=[named["listed"]],
        allowed_teams=[listed_team],
    )
    PostmortemFactory(incident=incident, authors=[named["author"]], reviewers=[named["reviewer"]])
    return named, incident


ALLOWED = {"listed", "team_member", "team_manager", "commander", "creator", "author"}
ALLOWED |= {"reviewer", "superuser"}


def test_a_private_incident_is_seen_by_exactly_the_allowed_people(people):
    named, incident = people
    for name, user in named.items():
        seen = Incident.objects.visible_to(user).filter(pk=incident.pk).exists()
        assert seen == (name in ALLOWED), name
        assert can_view_incident(user, incident) == seen, name
        items = ActionItem.objects.visible_to(user)
        assert items.filter(pk=ActionItemFactory(incident=incident).pk).exists() == seen, name


def test_a_manager_of_the_incidents_own_team_who_is_not_listed_does_not_see_it(people):
    named, incident = people
    assert incident.team.manager == named["other_manager"]
    assert not can_view_incident(named["other_manager"], incident)


def test_a_public_incident_is_seen_by_everyone_and_a_private_one_by_no_anonymous(people):
    named, incident = people
    public = IncidentFactory()
    anonymous = AnonymousUser()
    assert list(Incident.objects.visible_to(anonymous)) == [public]
    assert can_view_incident(named["nobody"], public)
    assert not can_view_incident(anonymous, incident)


def test_visibility_is_one_sql_condition_not_a_query_per_row(people):
    named, _ = people
    for _ in range(20):
        IncidentFactory(is_private=True, allowed_users=[named["listed"]])
    with CaptureQueriesContext(connection) as captured:
        visible = list(Incident.objects.visible_to(named["listed"]))
    assert len(visible) == 21
    assert len(captured) == 1
    assert "EXISTS" in captured[0]["sql"]


def test_the_incident_page_shows_the_private_badge_and_who_may_see_it(client, people):
    named, incident = people
    client.force_login(named["listed"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'class="badge private-badge"' in page
    assert "Visible to" in page and str(named["listed"]) in page
    listing = client.get(reverse("incidents:list")).content.decode()
    assert "Secret incident" in listing and "private-badge" in listing


def test_a_private_incident_is_created_with_its_people_and_teams_and_recorded(client):
    creator, colleague = UserFactory(), UserFactory()
    team = TeamFactory()
    client.force_login(creator)
    response = client.post(
        reverse("incidents:create"),
        {
            "title": "Personnel matter",
            "severity": "SEV3",
            "status": "investigating",
            "time_zone": "UTC",
            "started_at": "2026-03-10T09:00",
            "is_private": "on",
            "allowed_users": [colleague.pk],
            "allowed_teams": [team.pk],
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title="Personnel matter")
    assert incident.is_private
    assert list(incident.allowed_users.all()) == [colleague]
    assert list(incident.allowed_teams.all()) == [team]
    assert can_view_incident(creator, incident)  # the creator is always allowed
    assert client.get(incident.get_absolute_url()).status_code == 200
    recorded = incident.changes.get().changes
    assert recorded["is_private"] == ["", "True"]
    assert recorded["allowed_users"] == ["", str(colleague)]
    assert recorded["allowed_teams"] == ["", team.name]


def test_changing_who_may_see_it_is_kept_in_the_history(client, people):
    named, incident = people
    client.force_login(named["commander"])
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        commander=named["commander"].pk,
        allowed_users=[named["listed"].pk, named["nobody"].pk],
        allowed_teams=[],
        is_private="on",
        version=incident.version,
    )
    data.pop("team", None)
    data.pop("services", None)
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert can_view_incident(named["nobody"], incident)
    assert not can_view_incident(named["team_member"], incident)
    change = incident.changes.latest("created_at").changes
    assert "allowed_users" in change and "allowed_teams" in change


def test_bulk_changes_refuse_items_of_incidents_the_user_may_not_see(client, people):
    named, incident = people
    hidden = ActionItemFactory(incident=incident, title="Hidden item")
    client.force_login(named["other_manager"])
    client.post(
        reverse("incidents:action_items_bulk"),
        {"items": [hidden.pk], "action": "status", "status": "wont_do"},
    )
    hidden.refresh_from_db()
    assert hidden.status == ActionItem.Status.OPEN


def test_dashboard_counts_leave_out_what_the_user_may_not_see(people):
    named, incident = people
    ActionItemFactory(incident=incident, due_date=WEDNESDAY - timedelta(days=1))
    ActionItemFactory(due_date=WEDNESDAY - timedelta(days=1))
    dashboard_counts.rebuild()

    def open_items(user):
        data = dashboard(DashboardScope(user=user), WEDNESDAY)
        severities = sum(row["total"] for row in data["monthly_severity"])
        return sum(row["open"] for row in data["by_team"]), len(data["oldest_overdue"]), severities

    assert open_items(named["listed"])[:2] == (2, 2)
    assert open_items(named["nobody"])[:2] == (1, 1)
    assert open_items(named["listed"])[2] == open_items(named["nobody"])[2] + 1


def test_the_calendar_feed_holds_only_items_its_owner_may_see(people):
    named, incident = people
    ActionItemFactory(incident=incident, owner=named["nobody"], title="Hidden item")
    ActionItemFactory(incident=incident, owner=named["listed"], title="Shared item")
    ActionItemFactory(owner=named["nobody"], title="Public item")
    assert b"Hidden item" not in calendar_feed(named["nobody"])
    assert b"Public item" in calendar_feed(named["nobody"])
    assert b"Shared item" in calendar_feed(named["listed"])


def test_an_owner_is_not_reminded_of_items_of_an_incident_they_may_not_see(people):
    named, incident = people
    hidden = ActionItemFactory(incident=incident, owner=named["nobody"], due_date=WEDNESDAY)
    public = ActionItemFactory(owner=named["nobody"], due_date=WEDNESDAY)
    shared = ActionItemFactory(incident=incident, owner=named["listed"], due_date=WEDNESDAY)
    plan = reminders.plan_sweep(WEDNESDAY)
    assert plan.digests[named["nobody"].pk] == [public.pk]
    assert plan.digests[named["listed"].pk] == [shared.pk]
    assert hidden.pk not in {pk for ids in plan.digests.values() for pk in ids}


def test_escalation_leaves_out_private_items_the_manager_may_not_see(people):
    named, incident = people
    long_ago = WEDNESDAY - timedelta(days=30)
    # team_member's team is listed: its manager sees the item; listed's manager does not.
    TeamFactory(manager=named["other_manager"], members=[named["listed"]])
    seen = ActionItemFactory(incident=incident, owner=named["team_member"], due_date=long_ago)
    hidden = ActionItemFactory(incident=incident, owner=named["listed"], due_date=long_ago)
    public = ActionItemFactory(owner=named["listed"], due_date=long_ago)
    plan = reminders.plan_sweep(WEDNESDAY)
    assert plan.escalations[named["team_manager"].pk] == [seen.pk]
    assert plan.escalations[named["other_manager"].pk] == [public.pk]
    assert hidden.pk in plan.digests[named["listed"].pk]


def test_planning_with_private_incidents_still_runs_a_fixed_number_of_queries(
    people, django_assert_max_num_queries
):
    _named, incident = people
    for index in range(20):
        owner = UserFactory(username=f"owner{index}")
        TeamFactory(members=[owner])
        ActionItemFactory(incident=incident, owner=owner, due_date=WEDNESDAY - timedelta(9))
        ActionItemFactory(owner=owner, due_date=WEDNESDAY - timedelta(9))
    with django_assert_max_num_queries(4):
        plan = reminders.plan_sweep(WEDNESDAY)
    assert len(plan.digests) == 20
    assert all(len(ids) == 1 for ids in plan.escalations.values())


def test_a_reminder_planned_before_the_incident_turned_private_is_not_sent(mailoutbox, people):
    named, _incident = people
    item = ActionItemFactory(owner=named["nobody"], due_date=WEDNESDAY)
    reminders.record_sweep(reminders.plan_sweep(WEDNESDAY))
    item.incident.is_private = True
    item.incident.save()
    delivery = reminders.claim_delivery(ReminderDelivery.objects.get().pk)
    reminders.send_claimed_delivery(delivery)
    delivery.refresh_from_db()
    assert delivery.status == ReminderDelivery.Status.SKIPPED
    assert mailoutbox == []


def test_a_backup_leaves_out_private_incidents_and_all_on_them_unless_asked(people):
    _named, incident = people
    ActionItemFactory(incident=incident, title="Hidden item")
    public = IncidentFactory()
    without = export_data()
    assert [r["pk"] for r in without["models"]["incidents.incident"]] == [public.pk]
    assert without["models"]["incidents.actionitem"] == []
    assert without["models"]["postmortems.postmortem"] == []
    assert without["includes_private_incidents"] is False
    with_private = export_data(include_private=True)
    assert {r["pk"] for r in with_private["models"]["incidents.incident"]} == {
        incident.pk,
        public.pk,
    }
    assert len(with_private["models"]["incidents.actionitem"]) == 1


def test_export_all_writes_private_incidents_only_with_include_private(tmp_path, people):
    call_command("export_all", str(tmp_path / "plain.json"))
    call_command("export_all", str(tmp_path / "full.json"), "--include-private")
    assert "Secret incident" not in (tmp_path / "plain.json").read_text()
    assert "Secret incident" in (tmp_path / "full.json").read_text()


def test_the_incident_list_query_count_stays_flat_with_private_incidents(
    client, people, django_assert_max_num_queries
):
    named, _ = people
    client.force_login(named["listed"])
    for index in range(30):
        IncidentFactory(is_private=index % 2 == 0, allowed_users=[named["listed"]])
    # 9 with the one query that asks which private incidents the viewer may see.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("incidents:list"))
    assert response.content.decode().count("private-badge") >= 12


def test_a_superuser_manager_is_escalated_private_items_like_any_other(people):
    named, incident = people
    TeamFactory(manager=named["superuser"], members=[named["listed"]])
    item = ActionItemFactory(
        incident=incident, owner=named["listed"], due_date=WEDNESDAY - timedelta(days=30)
    )
    plan = reminders.plan_sweep(WEDNESDAY)
    assert plan.escalations[named["superuser"].pk] == [item.pk]


def test_a_manager_who_may_not_see_a_private_incident_may_not_edit_it_either(people):
    named, incident = people
    assert not can_edit_incident(named["other_manager"], incident)
    assert can_edit_incident(named["team_manager"], incident)
    assert can_edit_incident(named["superuser"], incident)


def test_an_item_of_a_private_incident_is_not_given_to_someone_who_may_not_see_it(client, people):
    named, incident = people
    item = ActionItemFactory(incident=incident, owner=named["listed"], title="Rotate the key")
    client.force_login(named["commander"])
    response = client.post(
        reverse("incidents:item_create", args=[incident.pk]),
        {"item-title": "Tell legal", "item-kind": "process", "item-priority": "P2",
         "item-status": "open", "item-owner": named["nobody"].pk},
    )  # fmt: skip
    assert "may not see this private incident" in response.content.decode()
    assert not incident.action_items.filter(title="Tell legal").exists()
    for url, data in [
        (reverse("incidents:action_item_quick_update", args=[item.pk]), {"owner": "nobody"}),
        (
            reverse("incidents:action_items_bulk"),
            {"items": [item.pk], "action": "reassign", "owner": "nobody"},
        ),
    ]:
        response = client.post(url, data, follow=True)
        assert "nobody may not see its private incident" in response.content.decode()
    item.refresh_from_db()
    assert item.owner == named["listed"]
