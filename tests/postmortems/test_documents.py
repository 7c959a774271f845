import json
from datetime import UTC, date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from importing.parse import parse_postmortem
from importing.saving import postmortem_import
from incidents.models import Incident
from incidents.selectors import incident_for_document
from incidents.tags import tags_named
from postmortems.demo import EXAMPLE_MEASURES, load_demo
from postmortems.exporting.exporters import SCHEMA_VERSION, export_markdown
from postmortems.layouts.builtin_templates import BY_LAYOUT, GOOGLE_SRE
from postmortems.layouts.sections import ensure_builtin_templates, sync_sections
from postmortems.models import Postmortem
from postmortems.render import zone_label
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TimelineEventFactory,
    UserFactory,
    write_section,
)

pytestmark = pytest.mark.django_db


def use_layout(incident, layout: str) -> None:
    """Write the incident's postmortem in the built-in template that was this layout."""
    postmortem = incident.postmortem
    postmortem.template = ensure_builtin_templates()[BY_LAYOUT[layout]]
    postmortem.save()
    sync_sections(postmortem, postmortem.template)


SEED = Path(__file__).parent / "samples" / "01_seed_html_headings.md"
TODAY = date(2026, 11, 25)


def structured(parsed) -> dict:
    """The facts a round trip must keep (the parser's notes on how it read them aside)."""
    data = parsed.as_json()
    del data["warnings"], data["zone_reason"]
    return data


def test_import_render_to_markdown_and_import_again_gives_the_same_data():
    first = parse_postmortem(SEED.read_text(), default_date=date(2026, 11, 4))
    incident = postmortem_import(parsed=first, actor=None)

    markdown = export_markdown(incident_for_document(None).get(pk=incident.pk))
    second = parse_postmortem(markdown, default_date=date(1999, 1, 1))

    assert structured(second) == structured(first)


def test_demo_round_trip_keeps_owners_due_dates_statuses_and_dead_ends():
    incident = load_demo(today=TODAY).example
    markdown = export_markdown(incident_for_document(None).get(pk=incident.pk))
    parsed = parse_postmortem(markdown, default_date=date(1999, 1, 1))
    again = postmortem_import(parsed=parsed, actor=None)

    def facts(i: Incident):
        return (
            i.title,
            i.started_at,
            i.resolved_at,
            i.time_zone,
            [(e.occurred_at, e.description, e.is_dead_end) for e in i.timeline_events.all()],
            [(a.title, a.owner_id, a.due_date, a.status) for a in i.action_items.all()],
        )

    assert facts(again) == facts(incident)


def test_document_page_shows_every_section_of_the_example_with_the_same_facts(client):
    incident = load_demo(today=TODAY).example
    client.force_login(UserFactory())
    body = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()

    for heading in (
        "Issue Summary:",
        "Root Cause:",
        "Timeline:",
        "Root Cause and Resolution:",
        "Corrective and Preventative Measures:",
    ):
        assert f"<h2>{heading}</h2>" in body
    assert "4 hours (9:00 AM to 1:00 PM) in GMT+2 timezone" in body
    for clock in ("9:00 AM", "9:05 AM", "9:10 AM", "9:30 AM", "10:00 AM", "11:30 AM",
                  "12:00 PM", "12:30 PM", "1:00 PM"):  # fmt: skip
        assert f"<h3>{clock}:</h3>" in body
    for title, *_ in EXAMPLE_MEASURES:
        assert f"<h3>{title}:</h3>" in body
    assert "Owner: Dave Owner" in body
    assert 'Status: <span class="status status-done">Done</span>' in body
    assert "server misconfiguration that led to a critical service failure" in body
    assert "By implementing these measures" in body


def test_document_page_query_count_does_not_grow_with_events_and_items(
    client, django_assert_max_num_queries
):
    client.force_login(UserFactory())
    incident = IncidentFactory()
    PostmortemFactory(incident=incident, authors=[UserFactory()])
    for _ in range(30):
        TimelineEventFactory(incident=incident)
        ActionItemFactory(incident=incident)
    # 14, plus the published versions list and the follow button (the reader's choice,
    # then the authors and reviewers in one query), and changes merged in a repository.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("postmortems:document", args=[incident.pk]))
    assert response.status_code == 200


def test_sre_layout_renders_the_action_items_table_and_lessons(client):
    incident = load_demo(today=TODAY).example
    use_layout(incident, "sre")
    write_section(incident.postmortem, "went_well", "Customers were patient.")
    client.force_login(UserFactory())
    body = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()
    for heading in ("Summary", "Impact", "Root Causes", "Trigger", "Resolution", "Detection",
                    "Action Items", "Lessons Learned", "Timeline"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in body
    assert "<td>Configuration management</td>" in body
    assert "Customers were patient." in body


@pytest.mark.parametrize(
    ("layout", "first", "last"),
    [
        ("classic", "9:00 AM:", "1:00 PM:"),
        ("sre", "<b>09:00</b> Detection", "<b>13:00</b> Resolution"),
    ],
)
def test_every_layout_shows_times_in_the_incidents_zone_whoever_reads(client, layout, first, last):
    incident = load_demo(today=TODAY).example
    use_layout(incident, layout)
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))  # 7 hours ahead of GMT+2
    for url in (
        reverse("postmortems:document", args=[incident.pk]),
        reverse("postmortems:export", args=[incident.pk, "html"]),
    ):
        response = client.get(url)
        body = response.content.decode() if not response.streaming else ""
        assert first in body and last in body, url
        assert "16:00" not in body and "4:00 PM" not in body, url


def test_only_editors_may_change_the_template(client):
    incident = load_demo(today=TODAY).example
    Postmortem.objects.filter(incident=incident).update(status=Postmortem.Status.DRAFT)
    sre = ensure_builtin_templates()[GOOGLE_SRE]
    url = reverse("postmortems:template", args=[incident.pk])
    client.force_login(UserFactory(username="stranger"))
    assert client.post(url, {"template": sre.pk}).status_code == 403
    client.force_login(incident.commander)
    client.post(url, {"template": sre.pk})
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.template == sre
    assert incident.changes.filter(changes__template=["Classic", "Google SRE"]).exists()


def test_a_published_postmortem_keeps_its_template_until_reopened(client):
    incident = load_demo(today=TODAY).example  # published
    client.force_login(incident.commander)

    response = client.post(
        reverse("postmortems:template", args=[incident.pk]),
        {"template": ensure_builtin_templates()[GOOGLE_SRE].pk},
        follow=True,
    )

    incident.postmortem.refresh_from_db()
    assert incident.postmortem.template.name == "Classic"
    assert "published and read-only" in response.content.decode()


def test_every_built_in_template_renders(client):
    incident = load_demo(today=TODAY).example
    client.force_login(UserFactory())
    for key in BY_LAYOUT:
        use_layout(incident, key)
        response = client.get(reverse("postmortems:document", args=[incident.pk]))
        assert f"layout-{key}" in response.content.decode()


def test_zone_labels_read_as_people_write_them():
    assert zone_label("Etc/GMT-2") == "GMT+2"
    assert zone_label("Etc/GMT+5") == "GMT-5"
    assert zone_label("UTC") == "UTC"
    assert zone_label("Europe/Berlin") == "Europe/Berlin"


@pytest.mark.parametrize(
    ("fmt", "content_type", "expected"),
    [
        ("md", "text/markdown", "## Corrective and Preventative Measures"),
        ("html", "text/html", "<h2>Timeline:</h2>"),
        ("json", "application/json", '"schema_version": 2'),
    ],
)
def test_downloads_in_each_format(client, fmt, content_type, expected):
    incident = load_demo(today=TODAY).example
    client.force_login(UserFactory())
    response = client.get(reverse("postmortems:export", args=[incident.pk, fmt]))
    assert response["Content-Type"].startswith(content_type)
    assert f'filename="INC-{incident.pk}-postmortem.{fmt}"' in response["Content-Disposition"]
    assert expected in response.content.decode()


def test_standalone_html_carries_its_own_stylesheet(client):
    incident = load_demo(today=TODAY).example
    client.force_login(UserFactory())
    body = client.get(reverse("postmortems:export", args=[incident.pk, "html"])).content.decode()
    assert "<style>" in body and ".postmortem-document" in body
    assert "<link" not in body


def test_json_export_has_the_structured_data(client):
    incident = load_demo(today=TODAY).example
    client.force_login(UserFactory())
    response = client.get(reverse("postmortems:export", args=[incident.pk, "json"]))
    data = json.loads(response.content)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["incident"]["duration_seconds"] == 4 * 3600
    assert len(data["timeline"]) == 9
    assert [a["title"] for a in data["action_items"]] == [m[0] for m in EXAMPLE_MEASURES]


def test_unknown_export_format_is_a_404(client):
    incident = IncidentFactory()
    client.force_login(UserFactory())
    assert client.get(f"/postmortems/{incident.pk}/export.pdf").status_code == 404


def test_export_command_prints_each_format(capsys):
    incident = load_demo(today=TODAY).example
    call_command("export_postmortem", incident.reference, "--format", "md")
    assert "# Postmortem - Real Housing" in capsys.readouterr().out
    call_command("export_postmortem", incident.reference, "--format", "json")
    assert json.loads(capsys.readouterr().out)["incident"]["reference"] == incident.reference


def test_import_command_json_dry_run_saves_nothing(capsys, tmp_path):
    samples = sorted((Path(__file__).parent / "samples").glob("0*.md"))
    call_command("import_postmortem", *samples, "--dry-run", "--json", "--date", "2026-01-10")
    results = json.loads(capsys.readouterr().out)
    assert len(results) == len(samples)
    seed = results[0]
    assert seed["title"] == "Real Housing and Estate Website Outage"
    assert seed["time_zone"] == "Etc/GMT-2"
    assert seed["started_at"] == "2026-01-10T09:00:00+02:00"
    assert seed["events"][0] == {
        "occurred_at": "2026-01-10T09:00:00+02:00",
        "description": "The issue was detected when users reported being unable to access "
        "the Real Housing and Estate website.",
        "kind": "detection",
        "is_dead_end": False,
    }
    assert not Incident.objects.exists()


def test_import_command_imports_a_document_with_a_bad_time_and_lists_its_warnings(capsys):
    samples = Path(__file__).parent / "samples"
    call_command("import_postmortem", samples / "90_bad_time.md", samples / "04_utc_suffix.md")
    captured = capsys.readouterr()
    assert "90_bad_time.md: imported as INC-" in captured.out
    assert "line 5: '25:61' is not a valid time of day" in captured.out
    assert "04_utc_suffix.md: imported as INC-" in captured.out
    assert Incident.objects.count() == 2


def test_import_command_names_a_document_the_database_refuses_and_imports_the_rest(
    capsys, monkeypatch
):
    from django.core.exceptions import ValidationError

    from importing.management.commands import import_postmortem

    real_import = import_postmortem.postmortem_import

    def refuse_one(*, parsed, **kwargs):
        # What a model's validation says of a document it cannot store (the held-out
        # collection had one); the others of the run must still be imported.
        if parsed.title == "Login failures":
            real_import(parsed=parsed, **kwargs)  # written, then rolled back with the error
            raise ValidationError(
                {"resolved_at": "A resolved incident needs the time it was resolved."}
            )
        return real_import(parsed=parsed, **kwargs)

    monkeypatch.setattr(import_postmortem, "postmortem_import", refuse_one)
    samples = Path(__file__).parent / "samples"

    call_command("import_postmortem", samples / "03_bullets_24h_pst.md",
                 samples / "04_utc_suffix.md", samples / "05_table_timeline.md")  # fmt: skip

    captured = capsys.readouterr()
    assert (
        "04_utc_suffix.md: not imported: resolved_at: A resolved incident needs the time it "
        "was resolved." in captured.err
    )
    assert "03_bullets_24h_pst.md: imported as INC-" in captured.out
    assert "05_table_timeline.md: imported as INC-" in captured.out
    assert "2 of 3 documents imported" in captured.out and "1 could not be imported" in captured.out
    assert Incident.objects.count() == 2
    assert not Incident.objects.filter(title="Login failures").exists()


def test_imported_owner_names_match_users_or_are_kept_in_the_text():
    UserFactory(username="alice")
    parsed = parse_postmortem(
        (Path(__file__).parent / "samples" / "03_bullets_24h_pst.md").read_text(),
        default_date=date(2026, 1, 10),
    )
    incident = postmortem_import(parsed=parsed, actor=None)
    first, second = incident.action_items.all()
    assert first.owner.username == "alice"
    assert second.owner is None
    assert "Owner named in the imported document: bob" in second.description
    assert second.completed_at is not None


def test_import_page_previews_then_saves(client):
    user = UserFactory(time_zone="Asia/Tokyo")  # the document's zone wins over the reader's
    client.force_login(user)
    text = SEED.read_text()
    form = {"document": text, "incident_date": "2026-11-04", "time_zone": ""}

    preview = client.post(reverse("postmortems:import"), {**form, "action": "preview"})
    body = preview.content.decode()
    assert "What was found" in body
    assert "Timeline (9 events)" in body
    assert "Action items (5)" in body
    assert "<dd>GMT+2</dd>" in body and "<dd>2026-11-04 09:00</dd>" in body
    assert not Incident.objects.exists()

    saved = client.post(reverse("postmortems:import"), {**form, "action": "save"})
    incident = Incident.objects.get()
    assert saved.url == reverse("postmortems:document", args=[incident.pk])
    assert incident.postmortem.authors.get() == user
    assert incident.changes.get().note == "Imported from a Markdown postmortem."


def test_our_export_previews_and_imports_with_its_people_services_tags_and_cause_links(client):
    demo = load_demo(today=date(2026, 11, 25))
    seed = demo.example
    seed.tags.set(tags_named(["web server", "configuration"]))
    cause = seed.causes.get()
    cause.tags.set(tags_named(["configuration"]))
    seed.action_items.get(title="Configuration management").causes.add(cause)
    markdown = export_markdown(incident_for_document(None).get(pk=seed.pk))
    client.force_login(UserFactory(username="importer"))
    form = {"document": markdown, "incident_date": "2026-11-04", "time_zone": ""}

    preview = client.post(reverse("postmortems:import"), {**form, "action": "preview"})
    body = preview.content.decode()
    assert "<dt>Detected</dt><dd>2026-11-04 09:00</dd>" in body
    assert "<dt>Mitigated</dt><dd>2026-11-04 12:30</dd>" in body
    assert "<dt>Commander</dt><dd>alice</dd>" in body
    assert "<dt>Reviewers</dt><dd>bob</dd>" in body
    assert "<dt>Services</dt><dd>Website</dd>" in body
    assert "<dt>Tags</dt><dd>configuration, web server</dd>" in body
    assert "(tags: configuration)" in body
    assert "The root cause of the issue was identified as a server misconfiguration" in body

    client.post(reverse("postmortems:import"), {**form, "action": "save"})
    again = Incident.objects.filter(title=seed.title).exclude(pk=seed.pk).get()
    assert again.commander.username == "alice"
    assert {s.name for s in again.services.all()} == {"Website"}
    assert {t.name for t in again.tags.all()} == {"web server", "configuration"}
    assert {u.username for u in again.postmortem.reviewers.all()} == {"bob"}
    assert {u.username for u in again.postmortem.authors.all()} == {"alice", "importer"}
    again_cause = again.causes.get()
    assert [t.name for t in again_cause.tags.all()] == ["configuration"]
    assert again_cause.description == cause.description
    item = again.action_items.get(title="Configuration management")
    assert list(item.causes.all()) == [again_cause]


def test_import_page_names_the_bad_line_and_saves_the_rest(client):
    client.force_login(UserFactory())
    text = (Path(__file__).parent / "samples" / "90_bad_time.md").read_text()
    form = {"document": text, "incident_date": "2026-11-04"}
    preview = client.post(reverse("postmortems:import"), {**form, "action": "preview"})
    assert "line 5: &#x27;25:61&#x27; is not a valid time of day" in preview.content.decode()
    client.post(reverse("postmortems:import"), {**form, "action": "save"})
    incident = Incident.objects.get()
    assert incident.timeline_events.count() == 1
    assert "This time cannot exist" in incident.postmortem.section_body("unplaced_text")


def test_import_page_accepts_an_upload(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UserFactory())
    upload = SimpleUploadedFile("pm.md", SEED.read_bytes(), content_type="text/markdown")
    response = client.post(
        reverse("postmortems:import"),
        {"upload": upload, "incident_date": "2026-11-04", "action": "preview"},
    )
    body = response.content.decode()
    assert "Timeline (9 events)" in body
    assert "Real Housing and Estate Website Outage" in body


def test_a_detection_after_the_first_mitigation_still_saves():
    # Saving failed with "mitigated_at: Must not be before detected at" before.
    source = (
        "# Flaky deploy\n\nDate: 2024-05-01\n\n## Timeline\n\n"
        "- 10:00 Deploy started\n- 10:05 Rolled back the canary\n- 10:10 Alert fired\n"
        "- 10:30 Fully restored\n"
    )
    parsed = parse_postmortem(source, default_date=date(2024, 5, 1))
    incident = postmortem_import(parsed=parsed, actor=None)
    assert incident.detected_at.astimezone(UTC).hour == 10
    assert incident.mitigated_at is None  # before the detection: left for people to set
    assert incident.timeline_events.count() == 4


def test_import_command_json_lists_warnings_per_document_and_takes_a_folder(capsys, tmp_path):
    (tmp_path / "a.md").write_text("# A\n\nDate: 2024-05-01\n\n## Timeline\n\n- 25:61 Broken\n")
    (tmp_path / "b.md").write_text("# B\n\nDate: 2024-05-01\n\n## Timeline\n\n- 10:00 Fine\n")
    call_command("import_postmortem", str(tmp_path), "--dry-run", "--json")
    results = json.loads(capsys.readouterr().out)
    assert [r["title"] for r in results] == ["A", "B"]
    assert results[0]["warnings"] == [
        "line 7: '25:61' is not a valid time of day; kept as text, time unknown",
        "found no start time: the incident starts at 2024-05-01 00:00 until you set it (add "
        "timeline entries with times, or a line like 'Duration: 4 hours (9:00 AM to 1:00 PM)')",
    ]
    assert results[1]["warnings"] == []


def test_import_preview_lists_warnings_and_says_why_it_chose_the_zone(client):
    client.force_login(UserFactory())
    text = "# Outage\n\nDate: 2024-05-01\n\n## Timeline (PT)\n\n- 09:00 Alert\n- 25:61 Broken\n"
    response = client.post(
        reverse("postmortems:import"),
        {"document": text, "incident_date": "2026-11-04", "action": "preview"},
    )
    body = response.content.decode()
    assert "1 thing to check" in body
    assert "line 8: &#x27;25:61&#x27; is not a valid time of day" in body
    assert "declared on line 5: &#x27;Timeline (PT)&#x27;" in body


def test_import_page_takes_several_files_previews_each_then_saves_them_all(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UserFactory())
    first = "# First\n\nDate: 2024-05-01\n\n## Timeline\n\n- 09:00 Alert\n- 25:61 Broken\n"
    second = "# Second\n\nDate: 2024-05-02\n\n## Timeline\n\n- 10:00 Alert\n- 10:30 Fixed\n"
    uploads = [
        SimpleUploadedFile("a.md", first.encode(), content_type="text/markdown"),
        SimpleUploadedFile("b.md", second.encode(), content_type="text/markdown"),
    ]
    preview = client.post(
        reverse("postmortems:import"),
        {"upload": uploads, "incident_date": "2026-11-04", "action": "preview"},
    )
    body = preview.content.decode()
    assert "What was found in 2 documents" in body
    assert "line 8: &#x27;25:61&#x27; is not a valid time of day" in body
    assert not Incident.objects.exists()

    saved = client.post(
        reverse("postmortems:import"),
        {
            "batch_name": ["a.md", "b.md"],
            "batch_text": [first, second],
            "incident_date": "2026-11-04",
            "action": "save",
        },
    )
    assert saved.url == reverse("incidents:list")
    assert sorted(Incident.objects.values_list("title", flat=True)) == ["First", "Second"]


def test_an_edited_export_with_an_unreadable_time_or_due_date_still_imports():
    incident = load_demo(today=TODAY).example
    markdown = export_markdown(incident_for_document(None).get(pk=incident.pk))
    markdown = markdown.replace("| 9:05 AM |", "| 29:05 AM |").replace("| 2026-11-15 |", "| soon |")
    parsed = parse_postmortem(markdown, default_date=date(1999, 1, 1))
    assert len(parsed.events) == incident.timeline_events.count() - 1
    assert "## Timeline entries without a time" in parsed.unplaced_text
    assert any("'29:05 AM' is not a time on a 12-hour clock" in w for w in parsed.warnings)
    assert any("'soon' is not a due date" in w for w in parsed.warnings)
    assert len(parsed.action_items) == incident.action_items.count()
