"""The XSS list against every place this app shows user-written text."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from incidents import tasks
from incidents.models import Incident
from postmortems.exporting.exporters import export_html, export_markdown
from postmortems.layouts.builtin_templates import BY_LAYOUT
from postmortems.layouts.sections import ensure_builtin_templates, sync_sections
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    TimelineEventFactory,
    UserFactory,
)
from tests.xss_payloads import XSS_PAYLOADS, assert_no_live_script

pytestmark = pytest.mark.django_db


def make_hostile(payload: str) -> Incident:
    """Return an incident with the payload in every field a person writes."""
    incident = IncidentFactory(title=f"Title {payload}", summary=payload, impact=payload)
    TimelineEventFactory(incident=incident, description=payload)
    CauseFactory(incident=incident, description=payload, resolution=payload)
    ActionItemFactory(
        incident=incident, title=f"Item {payload}", description=payload, due_date=date(2026, 3, 1)
    )
    PostmortemFactory(
        incident=incident,
        sections={"resolution": payload, "went_well": payload, "unplaced_text": payload},
    )
    return incident


@pytest.fixture(scope="module", params=XSS_PAYLOADS, ids=range(len(XSS_PAYLOADS)))
def hostile_incident_id(request, django_db_setup, django_db_blocker) -> Iterator[int]:
    """Make each payload's incident once for all the tests of this module.

    The tests run one payload after another (pytest orders them so); each test's own
    transaction is a savepoint inside this one, so what a test changes is undone after it.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_hostile(request.param).pk
        transaction.set_rollback(True)


@pytest.fixture
def hostile(db, hostile_incident_id) -> Incident:
    return Incident.objects.get(pk=hostile_incident_id)


@pytest.fixture
def every_hostile(db) -> list[Incident]:
    """Return one incident per payload, all at once: the lists and searches show them all."""
    return [make_hostile(payload) for payload in XSS_PAYLOADS]


@pytest.mark.parametrize(
    "url_name",
    ["postmortems:document", "incidents:detail"],
)
def test_document_and_incident_pages(client, hostile, url_name):
    client.force_login(UserFactory())
    for layout in ("classic", "sre"):
        hostile.postmortem.template = ensure_builtin_templates()[BY_LAYOUT[layout]]
        hostile.postmortem.save()
        sync_sections(hostile.postmortem, hostile.postmortem.template)
        response = client.get(reverse(url_name, args=[hostile.pk]))
        assert response.status_code == 200
        assert_no_live_script(response.content.decode())


def test_lists_board_and_dashboard(client, every_hostile):
    client.force_login(UserFactory())
    for url in ("/incidents/", "/incidents/action-items/", "/incidents/dashboard/"):
        body = client.get(url).content.decode()
        assert_no_live_script(body)
        if url == "/incidents/":  # every payload is on the page, not only the first
            assert all(reverse("incidents:detail", args=[i.pk]) in body for i in every_hostile)


def test_html_export(hostile):
    from incidents.selectors import incident_for_document

    assert_no_live_script(export_html(incident_for_document(None).get(pk=hostile.pk)))


def test_markdown_export_renders_safely_when_shown_again(hostile):
    from incidents.selectors import incident_for_document
    from postmortems.markdown import render_markdown

    markdown = export_markdown(incident_for_document(None).get(pk=hostile.pk))
    assert_no_live_script(render_markdown(markdown))


def test_reminder_emails(hostile, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_reminders_sweep("2026-03-02")
    assert mailoutbox
    for message in mailoutbox:
        assert_no_live_script(message.alternatives[0][0])


def test_import_preview(client):
    from tests.xss_payloads import XSS_PAYLOADS as payloads

    client.force_login(UserFactory())
    lines = "\n".join(f"- 09:{n:02d} - {p}" for n, p in enumerate(payloads))
    document = f"# Hostile import\n\n## Timeline\n{lines}\n\n## Other\n{payloads[0]}\n"
    response = client.post(
        reverse("postmortems:import"),
        {"document": document, "incident_date": "2026-01-01", "action": "preview"},
    )
    body = response.content.decode()
    assert "Timeline (12 events)" in body
    assert_no_live_script(body.split("</form>", 1)[1])


def test_search_results_and_free_text_filters(client, every_hostile):
    from search import index

    client.force_login(UserFactory())
    urls = ("/search/", "/incidents/", "/incidents/action-items/")
    for indexed in (False, True):  # PostgreSQL's snippets, before and after indexing
        if indexed:
            index.rebuild_documents()
        for q in ("title", "alert", "xss", "javascript onerror", '"xss script"', "href"):
            for url in urls:
                response = client.get(url, {"q": q})
                assert response.status_code == 200
                assert_no_live_script(response.content.decode())
