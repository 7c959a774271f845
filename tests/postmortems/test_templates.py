"""Postmortem templates: managers shape them, drafts follow them, published ones never move."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import ChangeRecord
from incidents.services import incident_create
from postmortems import services
from postmortems.layouts import services as template_services
from postmortems.layouts.builtin_templates import CLASSIC, GOOGLE_SRE
from postmortems.layouts.sections import ensure_builtin_templates, sync_sections
from postmortems.models import Postmortem, PostmortemTemplate
from tests.factories import (
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
    write_section,
)

pytestmark = pytest.mark.django_db

SECURITY_SECTIONS = [
    {"title": "Summary", "kind": "summary"},
    {
        "title": "Data exposure",
        "kind": "markdown",
        "required": True,
        "help_text": "Whose data was exposed, and to whom?",
        "synonyms": "Exposed data, Data exposed",
    },
    {"title": "Root cause", "kind": "causes"},
    {"title": "What went well", "kind": "markdown"},
    {"title": "Action items", "kind": "action_items"},
]


def security_template(actor=None, **values) -> PostmortemTemplate:
    return template_services.template_create(
        actor=actor or UserFactory(),
        name="Security incident",
        sections=[dict(s) for s in SECURITY_SECTIONS],
        **values,
    )


def keys(postmortem: Postmortem) -> list[tuple[str, bool]]:
    return [
        (s.key, s.in_template) for s in postmortem.sections.order_by("-in_template", "position")
    ]


def test_a_new_incident_of_a_team_is_written_in_the_teams_default_template():
    team = TeamFactory()
    template = security_template(default_for=[team])
    actor = UserFactory()
    incident = incident_create(
        actor=actor,
        data={
            "title": "Leaked bucket",
            "severity": "SEV1",
            "started_at": "2026-03-01T10:00Z",
            "team": team,
            "time_zone": "UTC",
        },
    )
    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.template == template
    assert [s.title for s in postmortem.sections.all()] == [
        "Summary", "Data exposure", "Root cause", "What went well", "Action items",
    ]  # fmt: skip
    other = incident_create(
        actor=actor,
        data={
            "title": "Other team",
            "severity": "SEV3",
            "started_at": "2026-03-01T10:00Z",
            "time_zone": "UTC",
        },
    )
    assert Postmortem.objects.get(incident=other).template.name == CLASSIC


def test_submitting_names_the_empty_required_sections(client):
    template = security_template()
    reviewer = UserFactory()
    postmortem = PostmortemFactory(template=template, reviewers=[reviewer])
    with pytest.raises(ValidationError) as error:
        services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    assert error.value.messages == [
        "Write the required section “Data exposure” before submitting for review."
    ]
    client.force_login(postmortem.incident.commander)
    response = client.post(
        reverse("postmortems:submit", args=[postmortem.incident_id]), follow=True
    )
    assert "Write the required section “Data exposure”" in response.content.decode()
    write_section(postmortem, "data_exposure", "Names and e-mail addresses of 40 customers.")
    services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    assert postmortem.status == Postmortem.Status.IN_REVIEW


def test_the_api_submit_names_the_empty_required_sections(client):
    postmortem = PostmortemFactory(template=security_template(), reviewers=[UserFactory()])
    client.force_login(postmortem.incident.commander)
    response = client.post(
        f"/api/v1/postmortems/{postmortem.pk}/submit/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Data exposure" in response.content.decode()


def test_switching_template_keeps_every_text_and_marks_what_no_longer_fits():
    postmortem = PostmortemFactory(
        sections={"trigger": "A config push.", "went_well": "Paging worked."}
    )
    actor = postmortem.incident.commander
    security = security_template()
    services.postmortem_set_template(incident=postmortem.incident, template=security, actor=actor)
    postmortem.refresh_from_db()
    by_key = {s.key: s for s in postmortem.sections.all()}
    assert by_key["went_well"].in_template and by_key["went_well"].body == "Paging worked."
    assert by_key["trigger"].body == "A config push." and not by_key["trigger"].in_template
    assert "detection" not in by_key  # empty and not in the template: nothing to keep

    services.postmortem_set_template(
        incident=postmortem.incident, template=ensure_builtin_templates()[CLASSIC], actor=actor
    )
    by_key = {s.key: s for s in postmortem.sections.all()}
    assert by_key["trigger"].in_template and by_key["trigger"].body == "A config push."
    record = postmortem.incident.changes.filter(changes__has_key="template").first()
    assert record.changes["template"] == ["Security incident", CLASSIC]


def test_the_editor_shows_the_prompt_and_sections_not_in_the_template(client):
    postmortem = PostmortemFactory(sections={"trigger": "A config push."})
    services.postmortem_set_template(
        incident=postmortem.incident, template=security_template(),
        actor=postmortem.incident.commander,
    )  # fmt: skip
    client.force_login(postmortem.incident.commander)
    page = client.get(reverse("postmortems:edit", args=[postmortem.incident_id])).content.decode()
    assert "Data exposure (required before review)" in page
    assert "Whose data was exposed, and to whom?" in page
    assert "Trigger (not in this template)" in page
    assert page.index("Data exposure") < page.index("What went well") < page.index("Trigger")


def test_saving_the_editor_writes_sections_and_history_says_which(client):
    postmortem = PostmortemFactory(template=security_template())
    client.force_login(postmortem.incident.commander)
    response = client.post(
        reverse("postmortems:edit", args=[postmortem.incident_id]),
        {
            "summary": "S",
            "impact": "I",
            "section_data_exposure": "40 e-mail addresses.",
            "section_went_well": "",
            "version": postmortem.version,
        },
    )
    assert response.status_code == 302
    assert postmortem.section_body("data_exposure") == "40 e-mail addresses."
    record = postmortem.incident.changes.filter(action=ChangeRecord.Action.UPDATED).last()
    assert record.changes["Data exposure section"] == ["", "40 e-mail addresses."]
    history = client.get(postmortem.incident.get_absolute_url()).content.decode()
    assert "Data exposure section" in history


def test_a_published_postmortem_cannot_switch_and_ignores_template_edits():
    template = security_template()
    postmortem = PostmortemFactory(template=template, status=Postmortem.Status.PUBLISHED)
    write_section(postmortem, "data_exposure", "Kept as published.")
    draft = PostmortemFactory(template=template)
    actor = UserFactory()
    with pytest.raises(ValidationError, match="published and read-only"):
        services.postmortem_set_template(
            incident=postmortem.incident, template=ensure_builtin_templates()[GOOGLE_SRE],
            actor=actor,
        )  # fmt: skip
    sections = [
        {"id": s.pk, "title": s.title.upper(), "kind": s.kind} for s in template.sections.all()
    ]
    template_services.template_update(
        template=template, actor=actor, name=template.name, sections=sections[::-1]
    )
    published = [(s.title, s.position) for s in postmortem.sections.order_by("position")]
    assert published[0] == ("Summary", 0) and published[1] == ("Data exposure", 1)
    assert postmortem.section_body("data_exposure") == "Kept as published."
    assert next(s.title for s in draft.sections.order_by("position")) == "ACTION ITEMS"


@pytest.mark.parametrize("url_name", ["template_create", "templates"])
def test_only_managers_make_templates(client, url_name):
    client.force_login(UserFactory())
    assert client.get(reverse("postmortems:templates")).status_code == 200
    assert client.get(reverse("postmortems:template_create")).status_code == 403
    assert client.post(reverse("postmortems:template_create"), {}).status_code == 403
    template = security_template()
    for name in ("template_copy", "template_retire"):
        assert client.post(reverse(f"postmortems:{name}", args=[template.pk])).status_code == 403
    assert client.post(reverse("postmortems:template_edit", args=[template.pk])).status_code == 403
    assert PostmortemTemplate.objects.filter(name__startswith="Copy").count() == 0


def _formset(rows: list[dict]) -> dict:
    data = {
        "sections-TOTAL_FORMS": str(len(rows)),
        "sections-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"sections-{index}-{name}"] = value
    return data


def test_a_manager_makes_edits_copies_and_retires_a_template_in_the_browser(client):
    team = TeamFactory()
    client.force_login(team.manager)
    response = client.post(
        reverse("postmortems:template_create"),
        {
            "name": "Security incident",
            "description": "",
            "team": "",
            "default_for": [team.pk],
            **_formset(
                [
                    {
                        "title": "Data exposure",
                        "kind": "markdown",
                        "required": "on",
                        "ORDER": "2",
                        "help_text": "Whose data?",
                    },
                    {"title": "Summary", "kind": "summary", "ORDER": "1"},
                    {"title": "", "kind": "markdown", "ORDER": ""},
                ]
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()
    template = PostmortemTemplate.objects.get(name="Security incident")
    assert [(s.key, s.title, s.required) for s in template.sections.all()] == [
        ("summary", "Summary", False),
        ("data_exposure", "Data exposure", True),
    ]
    assert team.template_default.template == template
    rows = list(template.sections.all())
    response = client.post(
        reverse("postmortems:template_edit", args=[template.pk]),
        {
            "name": "Security incident",
            "description": "",
            "team": "",
            "default_for": [team.pk],
            **_formset(
                [
                    {"id": rows[0].pk, "title": "Summary", "kind": "summary", "ORDER": "2"},
                    {
                        "id": rows[1].pk,
                        "title": "Data exposed",
                        "kind": "markdown",
                        "ORDER": "1",
                        "required": "on",
                    },
                    {"title": "Who was told", "kind": "markdown", "ORDER": "3"},
                ]
            ),
        },
    )
    assert response.status_code == 302
    assert [(s.key, s.title) for s in template.sections.all()] == [
        ("data_exposure", "Data exposed"),  # the key stays: texts and comments point at it
        ("summary", "Summary"),
        ("who_was_told", "Who was told"),
    ]
    client.post(reverse("postmortems:template_copy", args=[template.pk]))
    copy = PostmortemTemplate.objects.get(name="Copy of Security incident")
    assert [s.key for s in copy.sections.all()] == ["data_exposure", "summary", "who_was_told"]
    client.post(reverse("postmortems:template_retire", args=[template.pk]), {"retire": "1"})
    template.refresh_from_db()
    assert template.is_retired
    incident = IncidentFactory(team=team)
    assert services.postmortem_for(incident).template.name == CLASSIC


def test_a_duplicate_name_re_renders_with_the_text_kept(client):
    security_template()
    client.force_login(TeamFactory().manager)
    response = client.post(
        reverse("postmortems:template_create"),
        {"name": "security INCIDENT", "description": "Mine",
         **_formset([{"title": "Lessons for other teams", "kind": "markdown", "ORDER": "1"}])},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "exists; pick another name" in page
    assert "Lessons for other teams" in page


def test_built_in_templates_are_read_only_but_can_be_copied(client):
    classic = ensure_builtin_templates()[CLASSIC]
    manager = TeamFactory().manager
    with pytest.raises(ValidationError):
        template_services.template_update(template=classic, actor=manager, name="Mine", sections=[])
    client.force_login(manager)
    assert client.get(reverse("postmortems:template_edit", args=[classic.pk])).status_code == 200
    response = client.post(reverse("postmortems:template_edit", args=[classic.pk]), {})
    assert response.status_code == 403


def test_the_template_list_takes_the_same_queries_for_many_templates(
    client, django_assert_max_num_queries
):
    client.force_login(UserFactory())
    for number in range(12):
        template_services.template_create(
            actor=UserFactory(), name=f"T{number}", sections=[dict(s) for s in SECURITY_SECTIONS],
            default_for=[TeamFactory()],
        )  # fmt: skip
    with django_assert_max_num_queries(10):
        response = client.get(reverse("postmortems:templates"))
    assert response.content.decode().count("Data exposure*") == 12


def test_a_private_incidents_template_preview_is_404_for_an_outsider(client):
    postmortem = PostmortemFactory(incident=IncidentFactory(is_private=True))
    client.force_login(UserFactory())
    url = reverse("postmortems:document", args=[postmortem.incident_id])
    template = security_template()
    assert client.get(url, {"template": template.pk}).status_code == 404
    response = client.post(
        reverse("postmortems:template", args=[postmortem.incident_id]), {"template": template.pk}
    )
    assert response.status_code == 404


def test_the_document_previews_another_template_without_saving(client):
    postmortem = PostmortemFactory(sections={"went_well": "Paging worked."})
    template = security_template()
    client.force_login(postmortem.incident.commander)
    url = reverse("postmortems:document", args=[postmortem.incident_id])
    page = client.get(url, {"template": template.pk}).content.decode()
    assert "Preview in the template “Security incident”" in page
    assert "<h2>Data exposure</h2>" in page and "Paging worked." in page
    postmortem.refresh_from_db()
    assert postmortem.template.name == CLASSIC


def test_sync_sections_puts_back_a_section_the_template_has_again():
    postmortem = PostmortemFactory(sections={"trigger": "A push."})
    security = security_template()
    sync_sections(postmortem, security)
    assert ("trigger", False) in keys(postmortem)
    sync_sections(postmortem, ensure_builtin_templates()[CLASSIC])
    assert ("trigger", True) in keys(postmortem)


def test_the_importer_puts_headings_that_name_a_template_section_into_it(client):
    template = security_template()
    document = (
        "# Leaked bucket\n\n## Summary\n\nA bucket was public.\n\n"
        "## Exposed data\n\nForty e-mail addresses.\n\n## Customer letters\n\nSent on Monday.\n"
    )
    client.force_login(UserFactory())
    response = client.post(
        reverse("postmortems:import"),
        {
            "document": document,
            "incident_date": "2026-03-01",
            "template": template.pk,
            "action": "save",
        },
    )
    assert response.status_code == 302
    postmortem = Postmortem.objects.get(incident__title="Leaked bucket")
    assert postmortem.template == template
    assert postmortem.section_body("data_exposure") == "Forty e-mail addresses."
    # A heading no section names is kept in "other notes", as before templates.
    assert "## Customer letters\n\nSent on Monday." in postmortem.section_body("unplaced_text")


def test_the_api_writes_sections_by_key_and_names_the_ones_it_does_not_have(client):
    postmortem = PostmortemFactory(template=security_template())
    client.force_login(postmortem.incident.commander)
    url = f"/api/v1/postmortems/{postmortem.pk}/"
    response = client.patch(
        url, {"sections": [{"key": "data_exposure", "body": "40 rows."}]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    sections = {s["key"]: s for s in response.json()["sections"]}
    assert sections["data_exposure"]["body"] == "40 rows."
    assert sections["data_exposure"]["required"] is True
    assert response.json()["template"] == "Security incident"
    response = client.patch(
        url, {"sections": [{"key": "trigger", "body": "x"}]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "no section trigger" in response.content.decode()
