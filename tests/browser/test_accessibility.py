"""axe-core, the rules engine behind most accessibility audits, finds nothing on our pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from incidents.models import Incident
from postmortems.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _violations(axe: Axe, page) -> list[str]:
    results = axe.run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def test_every_main_page_passes_axe(new_page):
    incident = load_demo(today=timezone.localdate()).example  # published: read-only
    draft = Incident.objects.exclude(pk=incident.pk).first()  # alice may edit this one
    axe = Axe()
    page = new_page()
    page.goto("/login/")
    assert _violations(axe, page) == []
    log_in(page, "alice", password=DEMO_PASSWORD)
    for path in (
        "/incidents/",
        f"/incidents/{incident.pk}/",
        f"/incidents/{draft.pk}/",
        f"/incidents/{draft.pk}/edit/",
        f"/postmortems/{draft.pk}/edit/",
        f"/postmortems/{incident.pk}/",
        f"/postmortems/{incident.pk}/review/",
        "/incidents/new/",
        "/incidents/action-items/",
        "/incidents/dashboard/",
        "/incidents/calendar/",
        "/postmortems/import/",
        "/incidents/settings/",
    ):
        page.goto(path)
        assert _violations(axe, page) == [], path
