"""Who may change a template (the managers of the teams that use it), and its history."""

import pytest
from django.urls import reverse

from postmortems.layouts import services as template_services
from postmortems.models import PostmortemTemplate, TemplateChange
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

SECTIONS = [{"title": "Summary", "kind": "summary"}, {"title": "Data exposure", "kind": "markdown"}]


def _template(team=None, default_for=(), actor=None, name="Security incident"):
    return template_services.template_create(
        actor=actor or UserFactory(),
        name=name,
        team=team,
        sections=[dict(s) for s in SECTIONS],
        default_for=list(default_for),
    )


def _form(template, **changes) -> dict:
    rows = list(template.sections.all())
    data = {
        "name": template.name,
        "description": template.description,
        "team": template.team_id or "",
        "default_for": [d.team_id for d in template.team_defaults.all()],
        "sections-TOTAL_FORMS": str(len(rows)),
        "sections-INITIAL_FORMS": str(len(rows)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update(
            {
                f"sections-{index}-id": row.pk,
                f"sections-{index}-title": row.title,
                f"sections-{index}-kind": row.kind,
                f"sections-{index}-ORDER": str(index + 1),
            }
        )
    data.update(changes)
    return data


def test_a_manager_of_another_team_may_not_edit_or_retire_a_teams_template(client):
    security, payments = TeamFactory(name="Security"), TeamFactory(name="Payments")
    template = _template(team=security, default_for=[security])
    client.force_login(payments.manager)
    url = reverse("postmortems:template_edit", args=[template.pk])

    page = client.get(url).content.decode()
    assert "Only the managers of the teams that use this template" in page
    assert 'name="sections-TOTAL_FORMS"' not in page  # shown, not offered for editing
    response = client.post(url, _form(template, name="Hijacked"))
    assert response.status_code == 403
    retire = client.post(reverse("postmortems:template_retire", args=[template.pk]))
    assert retire.status_code == 403
    template.refresh_from_db()
    assert template.name == "Security incident" and not template.is_retired
    assert list(
        TemplateChange.objects.filter(template=template).values_list("lines", flat=True)
    ) == [["Made with 2 sections"]]


def test_the_manager_of_a_team_whose_default_it_is_may_edit_it(client):
    team = TeamFactory()
    template = _template(default_for=[team])
    client.force_login(team.manager)
    response = client.post(
        reverse("postmortems:template_edit", args=[template.pk]), _form(template, name="Sec")
    )
    assert response.status_code == 302
    assert PostmortemTemplate.objects.get(pk=template.pk).name == "Sec"


def test_a_template_no_team_uses_is_its_makers_and_a_superusers(client):
    maker = TeamFactory().manager
    template = _template(actor=maker)
    other = TeamFactory().manager
    url = reverse("postmortems:template_edit", args=[template.pk])
    client.force_login(other)
    assert client.post(url, _form(template, name="Other's")).status_code == 403
    client.force_login(maker)
    assert client.post(url, _form(template, name="Maker's")).status_code == 302
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.post(url, _form(template, name="Admin's")).status_code == 302
    assert PostmortemTemplate.objects.get(pk=template.pk).name == "Admin's"


def test_editing_keeps_the_defaults_of_teams_one_does_not_manage(client):
    mine, theirs = TeamFactory(name="Mine"), TeamFactory(name="Theirs")
    template = _template(default_for=[mine, theirs])
    client.force_login(mine.manager)
    url = reverse("postmortems:template_edit", args=[template.pk])
    page = client.get(url).content.decode()
    assert "Also the default of Theirs (not yours)" in page
    client.post(url, _form(template, default_for=[]))
    assert [d.team.name for d in template.team_defaults.select_related("team")] == ["Theirs"]


def test_the_template_page_shows_who_changed_what_and_when(client):
    team = TeamFactory()
    team.manager.first_name, team.manager.last_name = "Mona", "Manager"
    team.manager.save()
    template = _template(team=team, default_for=[team], actor=team.manager)
    client.force_login(team.manager)
    rows = list(template.sections.all())
    client.post(
        reverse("postmortems:template_edit", args=[template.pk]),
        _form(
            template,
            name="Security review",
            **{
                "sections-1-title": "Data exposed",
                "sections-1-required": "on",
                "sections-0-ORDER": "2",
                "sections-1-ORDER": "1",
            },
        ),
    )
    change = TemplateChange.objects.filter(template=template).first()
    assert change.actor == team.manager
    assert change.lines == [
        "Renamed from “Security incident” to “Security review”",
        "Section “Data exposure” renamed to “Data exposed”",
        "Section “Data exposed” required before review",
        "Sections reordered: Data exposed · Summary",
    ]
    assert rows[1].pk in {s.pk for s in template.sections.all()}
    page = client.get(reverse("postmortems:template_edit", args=[template.pk])).content.decode()
    assert "Section “Data exposure” renamed to “Data exposed”" in page
    assert "Mona Manager" in page
    assert "Made with 2 sections" in page
