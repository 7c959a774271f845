"""The XSS list against every place this app shows user-written text."""

from datetime import date

import pytest
from django.urls import reverse

from incidents import tasks
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


@pytest.fixture(params=XSS_PAYLOADS, ids=range(len(XSS_PAYLOADS)))
def hostile(request):
    payload = request.param
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


def test_lists_board_and_dashboard(client, hostile):
    client.force_login(UserFactory())
    for url in ("/incidents/", "/incidents/action-items/", "/incidents/dashboard/"):
        assert_no_live_script(client.get(url).content.decode())


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


def test_search_results_and_free_text_filters(client, hostile):
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
