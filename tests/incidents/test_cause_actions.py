"""Action items address causes: the link, its limits, and what a root cause without one blocks."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import ChangeRecord
from importing.parse import parse_postmortem
from importing.saving import postmortem_import
from incidents import services
from incidents.dashboard import DashboardScope, dashboard
from incidents.models import ActionItem, Cause, Incident
from postmortems import services as postmortem_services
from postmortems.exporting import exporters
from postmortems.models import Postmortem
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _item_data(**extra):
    return {
        "title": "Alert on replication lag",
        "kind": ActionItem.Kind.DETECT,
        "priority": ActionItem.Priority.P2,
        "owner": None,
        "due_date": None,
        "status": ActionItem.Status.OPEN,
        "description": "",
        **extra,
    }


def test_an_item_created_with_causes_links_them_and_records_names_and_ids():
    cause = CauseFactory(description="Replica fell behind")
    actor = UserFactory()
    item = services.action_item_create(
        incident=cause.incident, actor=actor, data=_item_data(causes=[cause])
    )
    assert list(item.causes.all()) == [cause]
    record = ChangeRecord.objects.get(event="action_item.created")
    assert record.changes["causes"] == ["", "Replica fell behind"]
    assert record.values["causes"] == [[], [cause.pk]]


def test_an_item_cannot_address_a_cause_of_another_incident():
    item = ActionItemFactory()
    elsewhere = CauseFactory()
    with pytest.raises(ValidationError, match="causes of its own incident"):
        services.action_item_update(item=item, actor=UserFactory(), data={"causes": [elsewhere]})
    assert not item.causes.exists()
    with pytest.raises(ValidationError):
        services.action_item_create(
            incident=item.incident, actor=UserFactory(), data=_item_data(causes=[elsewhere])
        )


def test_the_item_form_offers_only_the_incidents_causes(client):
    cause = CauseFactory()
    other = CauseFactory()
    incident = cause.incident
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:item_create", args=[incident.pk]),
        {
            "item-title": "Add a lag alert",
            "item-kind": "detect",
            "item-priority": "P2",
            "item-status": "open",
            "item-causes": [str(other.pk)],
        },
    )
    assert "Pick causes of this incident." in response.content.decode()
    assert not ActionItem.objects.exists()
    client.post(
        reverse("incidents:item_create", args=[incident.pk]),
        {
            "item-title": "Add a lag alert",
            "item-kind": "detect",
            "item-priority": "P2",
            "item-status": "open",
            "item-causes": [str(cause.pk)],
        },
    )
    assert list(ActionItem.objects.get().causes.all()) == [cause]


def test_changing_the_causes_of_an_item_is_recorded():
    first = CauseFactory(description="Config typo")
    second = CauseFactory(incident=first.incident, description="No canary")
    item = ActionItemFactory(incident=first.incident)
    item.causes.set([first])
    services.action_item_update(item=item, actor=UserFactory(), data={"causes": [first, second]})
    record = ChangeRecord.objects.get(event="action_item.updated")
    assert record.changes["causes"] == ["Config typo", "Config typo; No canary"]
    assert record.values["causes"] == [[first.pk], [first.pk, second.pk]]


@pytest.mark.parametrize(
    ("kind", "status", "counts"),
    [
        ("prevent", "open", True),
        ("mitigate", "done", True),
        ("detect", "in_progress", True),
        ("process", "open", False),
        ("documentation", "done", False),
        ("prevent", "wont_do", False),
    ],
)
def test_prevent_mitigate_and_detect_items_not_dropped_are_corrective(kind, status, counts):
    cause = CauseFactory()
    CauseFactory(incident=cause.incident, role=Cause.Role.CONTRIBUTING)  # never counted
    item = ActionItemFactory(incident=cause.incident, kind=kind, status=status)
    item.causes.set([cause])
    bare = list(Cause.objects.without_corrective_action())
    assert bare == ([] if counts else [cause])
    cause = Cause.objects.prefetch_related("action_items").get(pk=cause.pk)
    assert cause.needs_corrective_action is not counts


def test_incident_page_lists_each_causes_actions_and_warns_about_a_bare_root_cause(client):
    covered = CauseFactory(description="Config typo")
    incident = covered.incident
    bare = CauseFactory(incident=incident, description="Nobody watched lag")
    item = ActionItemFactory(incident=incident, title="Validate config in CI")
    item.causes.set([covered])
    client.force_login(incident.commander)
    page = client.get(incident.get_absolute_url()).content.decode()
    covered_html = page[
        page.index(f'id="cause-{covered.pk}"') : page.index(f'id="cause-{bare.pk}"')
    ]
    assert "Validate config in CI" in covered_html and "No corrective action" not in covered_html
    assert page.index("No corrective action") > page.index(f'id="cause-{bare.pk}"')


def test_submit_for_review_is_blocked_by_a_bare_root_cause_unless_a_reason_is_given(client):
    reviewer = UserFactory()
    postmortem = PostmortemFactory(reviewers=[reviewer])
    incident = postmortem.incident
    CauseFactory(incident=incident, description="Nobody watched lag")
    actor = incident.commander
    with pytest.raises(ValidationError, match="1 root cause has no prevent, mitigate or detect"):
        postmortem_services.postmortem_submit_for_review(postmortem=postmortem, actor=actor)
    assert Postmortem.objects.get(pk=postmortem.pk).status == Postmortem.Status.DRAFT

    client.force_login(actor)
    review_page = client.get(reverse("postmortems:review", args=[incident.pk])).content.decode()
    assert "Reason for submitting without one" in review_page
    client.post(
        reverse("postmortems:submit", args=[incident.pk]),
        {"reason": "The vendor fixed it; nothing for us to change."},
    )
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW
    record = ChangeRecord.objects.get(event="postmortem.submitted")
    assert record.note == (
        "Root causes without an action: The vendor fixed it; nothing for us to change."
    )


def test_submit_for_review_needs_no_reason_when_every_root_cause_has_an_action():
    postmortem = PostmortemFactory(reviewers=[UserFactory()])
    cause = CauseFactory(incident=postmortem.incident)
    ActionItemFactory(incident=postmortem.incident, kind="mitigate").causes.set([cause])
    postmortem_services.postmortem_submit_for_review(
        postmortem=postmortem, actor=postmortem.incident.commander
    )
    assert ChangeRecord.objects.get(event="postmortem.submitted").note == ""


def test_dashboard_counts_root_causes_without_an_action_in_its_scope():
    covered = CauseFactory()
    ActionItemFactory(incident=covered.incident).causes.set([covered])
    CauseFactory()
    CauseFactory(role=Cause.Role.CONTRIBUTING)
    data = dashboard(DashboardScope(), date(2026, 4, 1))
    assert data["root_causes_without_action"] == 1


def test_exports_carry_which_causes_each_item_addresses_and_import_them_back():
    cause = CauseFactory(description="Replica fell behind")
    item = ActionItemFactory(incident=cause.incident, title="Alert on lag")
    item.causes.set([cause])
    ActionItemFactory(incident=cause.incident, title="Write a runbook")
    markdown = exporters.export_markdown(cause.incident)
    rows = {line.split(" | ")[0].strip("| "): line for line in markdown.splitlines()}
    assert "| Replica fell behind |" in rows["Alert on lag"]
    assert "Replica fell behind" not in rows["Write a runbook"]
    parsed = parse_postmortem(markdown, default_date=date(2026, 4, 1))
    again = postmortem_import(parsed=parsed, actor=None)
    linked = {
        item.title: [c.description for c in item.causes.all()] for item in again.action_items.all()
    }
    assert linked == {"Alert on lag": ["Replica fell behind"], "Write a runbook": []}
    data = exporters.export_json(cause.incident)
    assert data["causes"][0]["id"] == cause.pk
    assert [i["cause_ids"] for i in data["action_items"]] == [[cause.pk], []]


@pytest.mark.parametrize("layout", ["classic", "sre"])
def test_the_document_lists_each_causes_actions_under_it(client, layout):
    postmortem = PostmortemFactory(layout=layout)
    incident = postmortem.incident
    root = CauseFactory(incident=incident, description="Config typo")
    factor = CauseFactory(incident=incident, role="contributing", description="No canary")
    ActionItemFactory(incident=incident, title="Validate config").causes.set([root])
    ActionItemFactory(incident=incident, title="Add a canary").causes.set([factor])
    client.force_login(incident.commander)
    page = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()
    assert page.index("Config typo") < page.index("Addressed by: Validate config")
    assert page.index("Addressed by: Validate config") < page.index("No canary")
    assert page.index("No canary") < page.index("Addressed by: Add a canary")


def test_dashboard_months_count_what_the_incident_list_shows_for_the_same_filters(client):
    team, other_team = TeamFactory(), TeamFactory()
    web = ServiceFactory()
    now = datetime.now(UTC)
    this_month = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    last_month = (this_month.replace(day=1) - timedelta(days=1)).replace(day=3)
    for started, incident_team, incident_services in [
        (this_month, team, [web]),
        (this_month, team, []),
        (this_month, other_team, [web]),
        (last_month, team, [web]),
        (last_month.replace(day=1, hour=0, minute=30), team, [web]),
    ]:
        IncidentFactory(started_at=started, team=incident_team, services=incident_services)
    client.force_login(UserFactory())
    for filters in (
        {},
        {"team": team.pk},
        {"service": web.pk},
        {"team": team.pk, "service": web.pk},
    ):
        page = client.get(reverse("incidents:dashboard"), filters).content.decode()
        links = re.findall(r'href="(/incidents/\?[^"]+)" class="month-total"[^>]*>(\d+)<', page)
        assert links, filters
        assert "detect_median" not in page
        for link, total in links:
            listed = client.get(link.replace("&amp;", "&")).content.decode()
            count = re.search(r"(\d+) incidents?</p>", listed)
            assert count and int(count.group(1)) == int(total), (filters, link)
        expected = Incident.objects.filter(
            **({"team": filters["team"]} if "team" in filters else {}),
            **({"services": filters["service"]} if "service" in filters else {}),
        )
        assert sum(int(total) for _, total in links) == expected.count()
