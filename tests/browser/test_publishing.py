"""A team's repository of postmortems in a browser: import, publish, a change merged back."""

import hashlib
import hmac
import json

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect

from postmortems import services as postmortem_services
from publishing.models import RepositoryConnection, RepositoryFile
from tests.browser.conftest import log_in
from tests.factories import TeamFactory, UserFactory
from tests.publishing.conftest import SAMPLES, BareRepo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def remote(tmp_path):
    repo = BareRepo(tmp_path / "postmortems.git")
    repo.commit({"postmortems/2024-06-03-dns.md": (SAMPLES / "05_table_timeline.md").read_text()})
    yield repo
    repo.repo.close()


def test_a_postmortem_goes_to_the_repository_and_a_merged_change_comes_back(
    new_page, live_server, remote, screenshot
):
    lead = UserFactory(username="lead", first_name="Lena", last_name="Lead",
                       email="lena@example.com")  # fmt: skip
    team = TeamFactory(name="Platform", manager=lead)
    connection = RepositoryConnection(team=team, kind="git", remote_url=remote.url,
                                      folder="postmortems", mode="direct")  # fmt: skip
    connection.set_webhook_secret("hook-secret")
    connection.save()

    page = new_page()
    log_in(page, "lead")
    page.goto(f"/repositories/{connection.pk}/")
    page.get_by_role("button", name="Import the folder's postmortems").click()
    results = page.locator("#import-results")
    expect(results).to_contain_text("postmortems/2024-06-03-dns.md")
    expect(results).to_contain_text("Imported as INC-")
    expect(page.get_by_role("button", name="Import again")).to_be_visible()

    # Written and approved in the usual way; the browser publishes it.
    file = RepositoryFile.objects.get()
    postmortem = file.incident.postmortem
    postmortem.reviewers.add(lead)
    postmortem_services.postmortem_submit_for_review(
        postmortem=postmortem, actor=lead, reason="The canary item covers it."
    )
    postmortem_services.postmortem_review(postmortem=postmortem, actor=lead, decision="approve")
    page.goto(f"/postmortems/{file.incident_id}/review/")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_load_state("networkidle")

    commit = remote.last_commit()
    assert commit.author == b"Lena Lead <lena@example.com>"
    assert b"Signed-off-by: Lena Lead <lena@example.com>" in commit.message
    published = remote.files()[file.path]

    # A change reviewed and merged in the repository, and the host's push webhook.
    # It adds to the narrative and to the timeline.
    changed = published.replace(
        "| 10:45 AM | Mitigation |",
        "| 10:30 AM | Mitigation | Rolled back the configuration push |\n| 10:45 AM | Mitigation |",
    )
    assert changed != published
    remote.commit({file.path: changed + "\n## Resolution <!-- pm:resolution -->\n\n"
                   "We failed over to the secondary resolver by hand.\n"})  # fmt: skip
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    signature = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    answer = requests.post(
        f"{live_server.url}/repositories/{connection.pk}/hook/", data=body, timeout=30,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )  # fmt: skip
    assert answer.status_code == 202

    page.goto(f"/postmortems/{file.incident_id}/")
    notice = page.locator("#repository-changes")
    expect(notice).to_contain_text("A change to this postmortem was merged in the repository")
    notice.get_by_role("link", name="Compare and accept or reject it").click()
    expect(page.locator("table.diff")).to_contain_text("by hand")
    screenshot(page, "publishing-incoming-change")
    page.get_by_role("button", name="Accept the repository's text").click()

    expect(page.get_by_text("The repository's text is now the draft")).to_contain_text(
        "Timeline: 1 added."
    )
    document = page.locator("article.postmortem-document")
    expect(document).to_contain_text("We failed over to the secondary resolver by hand.")
    expect(document).to_contain_text("Rolled back the configuration push")
    screenshot(page, "publishing-change-accepted")
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_the_connection_form_shows_the_fields_of_the_kind_picked(new_page):
    lead = UserFactory(username="lead")
    TeamFactory(name="Platform", manager=lead)
    page = new_page()
    log_in(page, "lead")
    page.goto("/repositories/new/")
    remote_url = page.locator("#id_remote_url")
    repository = page.locator("#id_repository")
    expect(remote_url).to_be_visible()
    expect(repository).to_be_hidden()

    page.get_by_label("GitLab").check()
    expect(repository).to_be_visible()
    expect(remote_url).to_be_hidden()
    page.get_by_label("GitHub").check()
    expect(repository).to_be_visible()


WIDE = """() => [...document.querySelectorAll('main *')]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && !el.closest('.side-by-side'))
  .map((el) => el.tagName + (el.id ? '#' + el.id : '') + ' ' + el.textContent.slice(0, 40))"""

LINE_NUMBERS_BROKEN = """() => [...document.querySelectorAll('table.diff td.diff_header')]
  .filter((td) => { const range = document.createRange(); range.selectNodeContents(td);
                    return range.getClientRects().length > 1; })
  .map((td) => td.textContent)"""


def test_the_repository_pages_fit_a_phone(new_page, remote, screenshot):
    lead = UserFactory(username="lead", first_name="Lena", last_name="Lead")
    team = TeamFactory(name="Platform", manager=lead)
    remote.commit({"postmortems/2024-06-03-a-rather-long-file-name-for-the-dns-outage.md":
                   (SAMPLES / "05_table_timeline.md").read_text()})  # fmt: skip
    connection = RepositoryConnection(
        team=team, kind="git", folder="postmortems", mode="pull_request",
        remote_url="ssh://git@git.example.com/platform-engineering/incident-postmortems.git",
        last_error="SSH was refused: git@git.example.com: Permission denied (publickey). "
        "Check the key and the host.", last_error_at=timezone.now(),
    )  # fmt: skip
    connection.set_webhook_secret("hook-secret")
    connection.save()
    page = new_page(width=390, height=844)
    log_in(page, "lead")

    page.goto(f"/repositories/{connection.pk}/")
    screenshot(page, "publishing-connection-390")
    assert page.evaluate(WIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    connection.remote_url = remote.url
    connection.last_error = ""
    connection.save()
    page.get_by_role("button", name="Import the folder's postmortems").click()
    expect(page.locator("#import-results")).to_contain_text("Imported as INC-")
    screenshot(page, "publishing-import-390")
    assert page.evaluate(WIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    resolution = (
        "\n## Resolution <!-- pm:resolution -->\n\nWe failed over to the secondary resolver "
        "by hand, https://status.example.com/incidents/2024-06-03-dns-resolution.\n"
    )
    remote.commit({file.path: remote.files()[file.path] + resolution})
    page.get_by_role("button", name="Look for changes now").click()
    page.locator("#pending-changes a").first.click()
    expect(page.locator("table.diff")).to_contain_text("by hand")
    screenshot(page, "publishing-incoming-change-390")
    # Every line number on one line (its text in one box), even 2 digits beside long lines.
    assert page.evaluate(LINE_NUMBERS_BROKEN) == []
    assert page.evaluate(WIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
