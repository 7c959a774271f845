"""The dashboard's open-item counts (OpenItemCount) agree with the items after every write."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from incidents import dashboard_counts, services
from incidents.dashboard import DashboardScope, dashboard
from incidents.models import OpenItemCount
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _figures(data: dict) -> tuple:
    return data["by_team"], data["by_owner"]


def assert_counts_match_the_items(*viewers) -> None:
    """The dashboard read from the counts shows what counting the items shows, to each."""
    today = timezone.localdate()
    for viewer in (None, *viewers):
        scope = DashboardScope(user=viewer)
        counted = _figures(dashboard(scope, today))
        direct = _figures(dashboard(scope, today, from_counts=False))
        assert counted == direct, f"as {viewer}"


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Two teams, a public and a private incident, made through the services."""
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    ann, bob, outsider = (UserFactory(username=n) for n in ("ann", "bob", "outsider"))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        public = services.incident_create(
            actor=ann, data={"title": "Public", "team": red, "started_at": now}
        )
        private = services.incident_create(
            actor=bob,
            data={"title": "Private", "team": blue, "started_at": now, "is_private": True},
        )
    return {"red": red, "blue": blue, "ann": ann, "bob": bob, "outsider": outsider,
            "public": public, "private": private}  # fmt: skip


def _item(incident, actor, owner, days: int, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.action_item_create(
            incident=incident,
            actor=actor,
            data={
                "title": f"Item due in {days} days",
                "owner": owner,
                "due_date": timezone.localdate() + timedelta(days=days),
            },
        )


def test_the_counts_follow_every_write_and_leave_private_incidents_to_their_viewers(
    world, django_capture_on_commit_callbacks
):
    w, capture = world, django_capture_on_commit_callbacks
    viewers = (w["ann"], w["bob"], w["outsider"])
    late = _item(w["public"], w["ann"], w["ann"], -3, capture)
    soon = _item(w["public"], w["ann"], w["bob"], 5, capture)
    _item(w["public"], w["ann"], None, -1, capture)
    hidden = _item(w["private"], w["bob"], w["bob"], -2, capture)
    assert_counts_match_the_items(*viewers)

    # The outsider sees none of the private incident's items; bob, its creator, does.
    outsider = dashboard(DashboardScope(user=w["outsider"]), timezone.localdate())
    bobs = dashboard(DashboardScope(user=w["bob"]), timezone.localdate())
    assert [(r["label"], r["open"], r["overdue"]) for r in outsider["by_team"]] == [("Red", 3, 2)]
    assert ("Blue", 1, 1) in [(r["label"], r["open"], r["overdue"]) for r in bobs["by_team"]]

    with capture(execute=True):  # edited: another owner, no longer overdue
        services.action_item_update(
            item=late,
            actor=w["ann"],
            data={"owner": w["bob"], "due_date": timezone.localdate() + timedelta(days=9)},
        )
    assert_counts_match_the_items(*viewers)
    with capture(execute=True):  # closed
        services.action_item_update(item=soon, actor=w["bob"], data={"status": "done"})
    assert_counts_match_the_items(*viewers)
    with capture(execute=True):  # deleted
        services.action_item_delete(item=hidden, actor=w["bob"])
    assert_counts_match_the_items(*viewers)
    public = w["public"]
    with capture(execute=True):  # moved to another team
        public = services.incident_update(
            incident=public, actor=w["ann"], data={"team": w["blue"]}, expected_version=1
        )
    assert_counts_match_the_items(*viewers)
    with capture(execute=True):  # made private, then its items are the viewers' own
        public = services.incident_update(
            incident=public,
            actor=w["ann"],
            data={"is_private": True},
            expected_version=public.version,
            stranded_owners=services.StrandedOwners.ALLOW,
        )
    assert_counts_match_the_items(*viewers)
    outsider = dashboard(DashboardScope(user=w["outsider"]), timezone.localdate())
    assert outsider["by_team"] == [] and outsider["by_owner"] == []


def test_items_that_fell_due_since_the_last_rebuild_count_as_overdue(
    world, django_capture_on_commit_callbacks
):
    w = world
    for days in (-20, -4, 0, 3, 12):
        _item(w["public"], w["ann"], w["ann"], days, django_capture_on_commit_callbacks)
    for shift in (-10, -1, 2, 7):  # counted on another day than the viewer's today
        dashboard_counts.rebuild(timezone.localdate() + timedelta(days=shift))
        assert_counts_match_the_items(w["ann"], w["outsider"])


def test_rebuild_command_makes_the_counts_again(world, django_capture_on_commit_callbacks):
    w = world
    _item(w["public"], w["ann"], w["ann"], -3, django_capture_on_commit_callbacks)
    OpenItemCount.objects.update(open_items=99)  # as a write that recorded no event leaves them
    call_command("rebuild_dashboard_counts")
    assert_counts_match_the_items(w["ann"])


def test_the_dashboard_page_reads_the_counts(
    client, world, django_capture_on_commit_callbacks, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0
    w = world
    _item(w["public"], w["ann"], w["ann"], -3, django_capture_on_commit_callbacks)
    _item(w["private"], w["bob"], w["bob"], -3, django_capture_on_commit_callbacks)
    client.force_login(w["outsider"])
    assert client.get(reverse("incidents:dashboard")).context["overdue_total"] == 1
    client.force_login(w["bob"])
    assert client.get(reverse("incidents:dashboard")).context["overdue_total"] == 2
