from datetime import date

import pytest
from django.urls import reverse

from postmortems.demo import load_demo

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [
    "incidents/user",
    "incidents/team",
    "incidents/service",
    "incidents/tag",
    "incidents/incident",
    "incidents/timelineevent",
    "incidents/cause",
    "incidents/actionitem",
    "core/changerecord",
    "incidents/reminderdelivery",
    "postmortems/postmortem",
    "postmortems/review",
]


@pytest.fixture
def admin_with_demo(admin_client):
    load_demo(today=date(2026, 11, 25))
    return admin_client


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_changelist_and_add_pages_render(admin_with_demo, model):
    assert admin_with_demo.get(f"/admin/{model}/").status_code == 200
    assert admin_with_demo.get(f"/admin/{model}/?q=a").status_code == 200


def test_admin_shows_the_demo_incident_with_its_duration(admin_with_demo):
    response = admin_with_demo.get(reverse("admin:incidents_incident_changelist"))
    body = response.content.decode()
    assert "Real Housing and Estate Website Outage" in body
    assert "4 hours" in body


def test_admin_incident_page_has_timeline_causes_and_action_items_inline(admin_with_demo):
    from incidents.models import Incident

    incident = Incident.objects.get(title__startswith="Real Housing")
    response = admin_with_demo.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Configuration management" in body
    assert "server overload" in body
