import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import ActionItem
from tests.browser.conftest import log_in
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_filters_overdue_of_a_team_bulk_reassigns_exports_and_reads_dashboard(
    page, screenshot
):
    manager = UserFactory(username="manager", first_name="Mona", last_name="Manager")
    payments = TeamFactory(name="Payments", manager=manager)
    other = TeamFactory(name="Search", manager=manager)
    newcomer = UserFactory(username="newcomer", first_name="Nia", last_name="New")
    today = timezone.localdate()
    late = today - timedelta(days=5)
    for title in ("Add idempotency keys", "Alert on refund errors", "Retry webhooks"):
        ActionItemFactory(title=title, due_date=late, incident=IncidentFactory(team=payments))
    ActionItemFactory(title="Payments but not late", due_date=today + timedelta(days=9),
                      incident=IncidentFactory(team=payments))  # fmt: skip
    ActionItemFactory(title="Search is late too", due_date=late,
                      incident=IncidentFactory(team=other))  # fmt: skip

    log_in(page, "manager")
    page.get_by_role("link", name="Action items").click()
    page.get_by_text("Filters", exact=True).click()
    page.locator("label[for=id_owner]").click()  # the owner filter is a people picker too
    page.keyboard.type("mona")
    expect(page.locator(".ts-dropdown .option", has_text="Mona Manager (manager)")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_label("Team").select_option(label="Payments")
    page.get_by_label("Overdue").check()
    page.get_by_role("button", name="Apply filters").click()

    rows = page.locator("table.board tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("5 days overdue").first).to_be_visible()
    screenshot(page, "board-overdue-payments")

    page.get_by_label("Select Add idempotency keys").check()
    page.get_by_label("Select Retry webhooks").check()
    page.locator("#id_bulk_action").select_option("reassign")
    # The people picker: typed part of a name, the person picked by name from the list.
    page.locator("label[for=id_bulk_owner]").click()
    page.keyboard.type("Nia")
    page.locator(".ts-dropdown .option", has_text="Nia New (newcomer)").click()
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("Changed 2 action items.")).to_be_visible()
    assert set(ActionItem.objects.filter(owner=newcomer).values_list("title", flat=True)) == {
        "Add idempotency keys",
        "Retry webhooks",
    }
    expect(rows).to_have_count(3)  # the filter is kept after the change

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.reader(io.StringIO(download_info.value.path().read_text())))
    assert sorted(row[4] for row in exported[1:]) == [
        "Add idempotency keys", "Alert on refund errors", "Retry webhooks",
    ]  # fmt: skip

    page.get_by_role("link", name="Dashboard").click()
    expect(
        page.get_by_role("heading", name="Open and overdue action items by team")
    ).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(5)
    team_table = page.locator("section[aria-labelledby=by-team] table")
    expect(team_table).to_contain_text("Payments")
    screenshot(page, "dashboard")


def test_board_row_opens_its_owner_and_status_forms_in_place_and_saves(page):
    manager = UserFactory(username="manager")
    payments = TeamFactory(name="Payments", manager=manager)
    UserFactory(username="newcomer", first_name="Nia", last_name="New")
    item = ActionItemFactory(
        title="Rotate the keys", status="open", incident=IncidentFactory(team=payments)
    )

    log_in(page, "manager")
    page.goto("/incidents/action-items/?sort=title")
    expect(page.locator("table.board tbody form")).to_have_count(0)

    page.locator("table.board tbody td").nth(5).get_by_role("link").click()
    status = page.get_by_label("Status of Rotate the keys")
    expect(status).to_be_focused()
    status.select_option("in_progress")
    status.locator("xpath=..").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Updated Rotate the keys.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/incidents/action-items/\?sort=title$"))

    page.locator("table.board tbody td").nth(3).get_by_role("link").click()
    owner = page.get_by_label("Owner of Rotate the keys")
    owner.fill("newcomer")
    owner.press("Enter")
    expect(page.get_by_text("Updated Rotate the keys.")).to_be_visible()
    item.refresh_from_db()
    assert (item.status, item.owner.username) == ("in_progress", "newcomer")
