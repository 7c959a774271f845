"""Issue 15 in a browser: a manager makes a team's template; an engineer writes in it."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from postmortems.models import Postmortem
from tests.browser.conftest import log_in
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

EXPOSURE = "Names and e-mail addresses of **40 customers** were readable for 2 hours."


def _row(page, index: int):
    return page.locator("fieldset.section-row").nth(index)


def _fill_row(row, title: str, kind: str, position: int, *, prompt="", required=False):
    row.get_by_label("Title").fill(title)
    row.get_by_label("Kind").select_option(kind)
    row.get_by_label("Position").fill(str(position))
    if prompt:
        row.get_by_label("Prompt for the author").fill(prompt)
    row.get_by_label("Required before review").set_checked(required)


def test_a_team_template_from_making_it_to_an_exported_and_reimported_postmortem(
    new_page, screenshot
):
    carol = UserFactory(username="carol", first_name="Carol", last_name="Manager")
    erin = UserFactory(username="erin", first_name="Erin", last_name="Engineer")
    UserFactory(username="bob", first_name="Bob", last_name="Reviewer")
    TeamFactory(name="Security", manager=carol, members=[erin])

    manager = new_page()
    log_in(manager, "carol")
    manager.get_by_text("More", exact=True).click()
    manager.get_by_role("link", name="Templates").click()
    manager.get_by_role("link", name="New template").click()
    manager.get_by_label("Name").fill("Security incident")
    _fill_row(_row(manager, 0), "Summary", "summary", 1)
    _fill_row(
        _row(manager, 1), "Data exposure", "markdown", 2,
        prompt="Whose data was exposed, to whom, for how long?", required=True,
    )  # fmt: skip
    manager.get_by_role("button", name="Save template").click()
    expect(manager.get_by_text("Template “Security incident” made.")).to_be_visible()
    _fill_row(_row(manager, 2), "Root cause", "causes", 3)
    _fill_row(_row(manager, 3), "Action items", "action_items", 4)
    manager.get_by_label("Security").check()  # default template of the team
    screenshot(manager, "templates-editor-1280")
    manager.get_by_role("button", name="Save template").click()
    expect(manager.get_by_text("Template “Security incident” saved")).to_be_visible()
    narrow = new_page(width=390, height=844)
    log_in(narrow, "carol")
    narrow.goto(manager.url)
    screenshot(narrow, "templates-editor-390")
    manager.get_by_role("link", name="← Templates").click()
    expect(manager.get_by_role("row", name=re.compile("Security incident"))).to_contain_text(
        "Summary · Data exposure* · Root cause · Action items"
    )

    engineer = new_page()
    log_in(engineer, "erin")
    engineer.get_by_role("link", name="New incident").click()
    engineer.get_by_label("Title").fill("Customer list readable from a public bucket")
    engineer.get_by_label("Severity").select_option("SEV1")
    engineer.locator("select#id_team").select_option(label="Security", force=True)
    engineer.get_by_label("Started at").fill("2026-03-10T09:00")
    engineer.get_by_role("button", name="Create incident").click()
    incident = Incident.objects.get()
    engineer.get_by_role("link", name="Write the postmortem").click()
    expect(engineer.get_by_label("Template", exact=True)).to_have_value(
        str(Postmortem.objects.get().template_id)
    )
    exposure = engineer.get_by_label("Data exposure (required before review)")
    expect(exposure).to_have_attribute("placeholder", re.compile("Whose data was exposed"))
    engineer.get_by_label("Summary").fill("A bucket of exports was public for two hours.")
    engineer.get_by_label("Reviewers").select_option(label="Bob Reviewer")
    engineer.get_by_role("button", name="Save").click()
    expect(engineer.get_by_text("Postmortem saved.")).to_be_visible()

    engineer.get_by_role("link", name="Review and publish").click()
    engineer.get_by_role("button", name="Submit for review").click()
    expect(
        engineer.get_by_text(
            "Write the required section “Data exposure” before submitting for review."
        )
    ).to_be_visible()
    engineer.goto(f"/postmortems/{incident.pk}/edit/")
    engineer.get_by_label("Data exposure (required before review)").fill(EXPOSURE)
    screenshot(engineer, "templates-postmortem-editor-1280")
    engineer.get_by_role("button", name="Save").click()
    expect(engineer.get_by_text("Postmortem saved.")).to_be_visible()
    phone = new_page(width=390, height=844)
    log_in(phone, "erin")
    phone.goto(f"/postmortems/{incident.pk}/edit/")
    screenshot(phone, "templates-postmortem-editor-390")
    engineer.get_by_role("link", name="Review and publish").click()
    engineer.get_by_role("button", name="Submit for review").click()
    expect(engineer.get_by_text("Submitted for review.")).to_be_visible()

    engineer.goto(f"/postmortems/{incident.pk}/")
    headings = engineer.locator("article h2").all_inner_texts()
    assert headings == ["Summary", "Data exposure", "Root cause", "Action items"]
    expect(engineer.locator("article strong")).to_have_text("40 customers")
    screenshot(engineer, "templates-document")
    markdown = engineer.request.get(f"/postmortems/{incident.pk}/export.md").text()
    sections = re.findall(r"^## (.+?) <!-- pm:(\w+) -->", markdown, flags=re.M)
    assert sections == [
        ("Summary", "summary"),
        ("Impact", "impact"),  # the summary part brings the impact when no section has it
        ("Data exposure", "data_exposure"),
        ("Root cause", "causes"),
        ("Action items", "action_items"),
    ]
    assert EXPOSURE in markdown

    engineer.get_by_text("More", exact=True).click()
    engineer.get_by_role("link", name="Import").click()
    engineer.get_by_label("Postmortem in Markdown").fill(markdown)
    engineer.get_by_role("button", name="Preview what was found").click()
    expect(engineer.locator(".parsed-sections")).to_contain_text("Data exposure")
    engineer.get_by_role("button", name="Save as a new incident").click()
    expect(engineer.get_by_text(re.compile(r"Imported as INC-\d+"))).to_be_visible()
    again = Postmortem.objects.exclude(incident=incident).get()
    assert again.template.name == "Security incident"
    assert [(s.key, s.body) for s in again.sections.filter(key="data_exposure")] == [
        ("data_exposure", EXPOSURE)
    ]
    assert [s.title for s in again.sections.all()] == [
        "Summary", "Data exposure", "Root cause", "Action items",
    ]  # fmt: skip
