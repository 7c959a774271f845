"""The recurring causes report: categories and services per month, chains, fixes that failed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, Cause
from search.models import RecurrenceLink
from search.recurring import recurring_report
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def recent(days_ago: int, **kwargs):
    return IncidentFactory(started_at=timezone.now() - timedelta(days=days_ago), **kwargs)


def test_cause_categories_and_services_are_counted_per_month():
    website = ServiceFactory(name="Website")
    first = recent(1, services=[website])
    CauseFactory(incident=first, category=Cause.Category.CONFIGURATION)
    CauseFactory(incident=first, category=Cause.Category.CONFIGURATION)  # one incident
    CauseFactory(incident=recent(2, services=[website]), category=Cause.Category.CONFIGURATION)
    CauseFactory(incident=recent(500), category=Cause.Category.CAPACITY)  # too old

    report = recurring_report(UserFactory())

    assert [(row.label, row.total) for row in report.categories] == [("Configuration", 2)]
    assert [(row.label, row.total) for row in report.services] == [("Website", 2)]
    assert len(report.months) == 12
    assert report.months[-1] == timezone.localdate().replace(day=1)


def test_same_root_cause_links_form_chains_oldest_first():
    a, b, c = recent(90, title="A"), recent(60, title="B"), recent(30, title="C")
    RecurrenceLink.objects.create(incident=b, same_as=a)
    RecurrenceLink.objects.create(incident=c, same_as=b)
    report = recurring_report(UserFactory())
    assert [[i.title for i in chain] for chain in report.chains] == [["A", "B", "C"]]


def test_a_done_fix_followed_by_the_same_root_cause_is_listed():
    first, again = recent(90, title="First"), recent(30, title="Again")
    RecurrenceLink.objects.create(incident=again, same_as=first)
    fixed = ActionItemFactory(
        incident=first,
        title="Validate config",
        status=ActionItem.Status.DONE,
        completed_at=timezone.now() - timedelta(days=60),
    )
    ActionItemFactory(  # done after the recurrence: it may still have worked
        incident=first,
        status=ActionItem.Status.DONE,
        completed_at=timezone.now() - timedelta(days=10),
    )
    ActionItemFactory(incident=first, status=ActionItem.Status.OPEN)
    report = recurring_report(UserFactory())
    assert [(fix.item, fix.recurrence) for fix in report.fixes] == [(fixed, again)]


def test_private_incidents_are_left_out_for_those_who_may_not_see_them(client):
    website = ServiceFactory(name="Secret service")
    hidden = recent(10, title="Hidden outage", services=[website], is_private=True)
    CauseFactory(incident=hidden, category=Cause.Category.CAPACITY)
    RecurrenceLink.objects.create(incident=hidden, same_as=recent(40, title="Public one"))
    outsider = UserFactory()
    report = recurring_report(outsider)
    assert (report.categories, report.services, report.chains) == ([], [], [])
    client.force_login(outsider)
    page = client.get(reverse("search:recurring")).content.decode()
    assert "Hidden outage" not in page and "Secret service" not in page
    assert len(recurring_report(hidden.commander).chains) == 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_report_takes_a_fixed_number_of_queries(
    count, logged_in_client, django_assert_max_num_queries
):
    website = ServiceFactory()
    previous = None
    for n in range(count):
        incident = recent(n + 1, services=[website])
        CauseFactory(incident=incident)
        ActionItemFactory(
            incident=incident, status=ActionItem.Status.DONE, completed_at=timezone.now()
        )
        if previous is not None:
            RecurrenceLink.objects.create(incident=incident, same_as=previous)
        previous = incident
    with django_assert_max_num_queries(8):
        response = logged_in_client.get(reverse("search:recurring"))
    assert response.status_code == 200


def test_the_dashboard_links_to_the_report(logged_in_client):
    page = logged_in_client.get(reverse("incidents:dashboard")).content.decode()
    assert reverse("search:recurring") in page
