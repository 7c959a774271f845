"""A folder of postmortems in a plain git repository (a bare one on disk), both ways."""

import pytest

from postmortems.models import Postmortem
from publishing import services
from publishing.models import IncomingRevision, PublishDelivery, RepositoryFile
from tests.publishing.conftest import make_connection, publish

pytestmark = pytest.mark.django_db


def test_the_first_import_reads_every_markdown_file_with_its_warnings(connection, manager):
    run = services.import_folder(connection=connection, actor=manager)

    by_path = {result["path"]: result for result in run.results}
    assert sorted(by_path) == [
        "postmortems/2024-03-payments.md",
        "postmortems/2024-06-03-dns.md",
        "postmortems/empty.md",
    ]  # README.md is outside the folder
    dns = by_path["postmortems/2024-06-03-dns.md"]
    assert dns["outcome"] == "imported"
    payments = by_path["postmortems/2024-03-payments.md"]
    assert payments["outcome"] == "imported" and payments["warnings"]
    assert by_path["postmortems/empty.md"] == {
        "path": "postmortems/empty.md", "outcome": "failed", "warnings": [],
        "error": "the document is empty",
    }  # fmt: skip
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    assert file.incident.title == "DNS resolution failures"
    assert file.incident.team == connection.team
    assert file.incident.timeline_events.count() == 4


def test_importing_again_saves_nothing_twice(connection, manager, client):
    services.import_folder(connection=connection, actor=manager)
    client.force_login(manager)

    response = client.post(f"/repositories/{connection.pk}/import/", follow=True)

    assert "0 imported, 2 imported before, 1 not imported." in response.content.decode()
    assert RepositoryFile.objects.count() == 2
    assert Postmortem.objects.count() == 2
    assert "Imported before as INC-" in response.content.decode()


def test_publishing_commits_the_markdown_signed_off_by_the_publisher(
    connection, remote, manager, django_capture_on_commit_callbacks
):
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")

    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)

    delivery = PublishDelivery.objects.get()
    assert delivery.status == "sent" and delivery.branch == "main"
    commit = remote.last_commit()
    assert commit.id.decode() == delivery.commit
    assert commit.author == b"Lena Lead <lena@example.com>"
    assert b"Signed-off-by: Lena Lead <lena@example.com>" in commit.message
    text = remote.files()["postmortems/2024-06-03-dns.md"]
    assert text == delivery.version.markdown
    assert "<!-- pm:" in text or "pm-" in text  # our own, lossless export
    # Nothing came back: the file is what we wrote.
    assert services.take_incoming(connection=connection) == []


def test_a_new_postmortem_gets_a_file_named_for_it(
    connection, remote, manager, django_capture_on_commit_callbacks
):
    from tests.factories import IncidentFactory, PostmortemFactory

    incident = IncidentFactory(team=connection.team, title="Queue backlog")
    postmortem = PostmortemFactory(incident=incident)
    with django_capture_on_commit_callbacks(execute=True):
        publish(postmortem, manager)

    path = f"postmortems/{incident.reference}-queue-backlog.md"
    assert path in remote.files()
    assert RepositoryFile.objects.get(incident=incident).path == path


def test_a_private_incident_is_never_published(
    connection, remote, manager, django_capture_on_commit_callbacks
):
    from tests.factories import IncidentFactory, PostmortemFactory

    incident = IncidentFactory(team=connection.team, title="Secret", is_private=True)
    head = remote.head()
    with django_capture_on_commit_callbacks(execute=True):
        publish(PostmortemFactory(incident=incident), manager)

    assert not PublishDelivery.objects.exists()
    assert remote.head() == head


def test_a_change_merged_in_the_repository_comes_back_as_a_draft_to_accept(
    connection, remote, manager, django_capture_on_commit_callbacks
):
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)
    text = remote.files()["postmortems/2024-06-03-dns.md"]
    changed = (
        text.replace(
            "## Impact <!-- pm:impact -->\n",
            "## Impact <!-- pm:impact -->\n\nLookups failed for 45 minutes in eu-west.\n",
        )
        + "\n## Resolution <!-- pm:resolution -->\n\nWe failed over by hand.\n"
    )
    remote.commit({file.path: changed}, message="Say what the impact was")

    (revision,) = services.take_incoming(connection=connection)
    assert services.take_incoming(connection=connection) == []  # not taken twice
    assert revision.status == "pending" and not revision.is_conflict
    postmortem = file.incident.postmortem
    postmortem.refresh_from_db()
    assert postmortem.is_published  # never a silent overwrite

    applied = services.revision_accept(revision=revision, actor=manager)

    # Only the text changed: the timeline, causes and action items read back as they were.
    assert applied.summary() == ""
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT
    assert postmortem.section_body("resolution") == "We failed over by hand."
    file.incident.refresh_from_db()
    assert file.incident.impact == "Lookups failed for 45 minutes in eu-west."
    revision.refresh_from_db()
    assert revision.status == IncomingRevision.Status.ACCEPTED
    assert services.take_incoming(connection=connection) == []


def test_a_change_on_both_sides_is_a_conflict_and_rejecting_keeps_ours(connection, remote, manager):
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    incident = file.incident
    incident.summary = "Written here since the import."
    incident.save()
    remote.commit({file.path: "# DNS resolution failures\n\nRewritten there.\n"})

    (revision,) = services.take_incoming(connection=connection)

    assert revision.is_conflict
    assert "Written here since the import." in revision.here_markdown
    services.revision_reject(revision=revision, actor=manager)
    incident.refresh_from_db()
    assert incident.summary == "Written here since the import."
    assert services.take_incoming(connection=connection) == []


def test_pull_request_mode_pushes_a_branch_and_leaves_main_alone(
    team, remote, manager, django_capture_on_commit_callbacks
):
    connection = make_connection(team, kind="git", remote_url=remote.url, mode="pull_request")
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    before = remote.files()[file.path]

    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)

    branch = f"postmortems/{file.incident.reference}-v1"
    assert branch in remote.branches()
    assert remote.files()[file.path] == before
    assert remote.files(branch)[file.path] == PublishDelivery.objects.get().version.markdown
    # Main still shows the old text until the branch is merged: that is no change to take.
    assert services.take_incoming(connection=connection) == []


def test_an_unreachable_remote_shows_its_reason_on_the_page(team, manager, client, tmp_path):
    connection = make_connection(
        team, kind="git", remote_url=(tmp_path / "nothing.git").as_uri(), mode="direct"
    )
    client.force_login(manager)

    response = client.post(f"/repositories/{connection.pk}/import/", follow=True)

    page = response.content.decode()
    assert "The repository could not be read" in page
    connection.refresh_from_db()
    assert connection.last_error and connection.last_error in page.replace("&#x27;", "'")


def test_accepting_a_change_takes_its_timeline_and_adds_its_causes_and_action_items(
    connection, remote, manager, django_capture_on_commit_callbacks, user_factory
):
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    incident = file.incident
    erin = user_factory(username="erin")  # joined since the import
    with django_capture_on_commit_callbacks(execute=True):
        publish(incident.postmortem, manager)
    text = remote.files()[file.path]
    edits = {
        # A line of the timeline reworded, one added, one removed.
        "| Escalated to the network on-call |": (
            "| Escalated to the network on-call and the DNS vendor |"
        ),
        "| 10:45 AM | Mitigation |": (
            "| 10:30 AM | Mitigation | Rolled back the configuration push |\n"
            "| 10:45 AM | Mitigation |"
        ),
        "| 11:00 AM | Resolution | Resolution confirmed, all clear |\n": "",
        # An action item done and given to erin, a new one, a cause left out, a new one.
        "| Canary resolver config pushes | Prevent |  | Open |": (
            "| Canary resolver config pushes | Prevent | erin | ✅ Done |"
        ),
        "\n\n## Corrective": (
            "\n### Contributing factor (Process) <!-- pm:cause -->\n\n"
            "No alert on the resolver's forwarders\n\n## Corrective"
        ),
        (
            "### Contributing factor (Process) <!-- pm:cause -->\n\n"
            "The rollback runbook was out of date\n"
        ): "",
    }
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    text += (
        "| Alert when the forwarders are empty | Detect | erin | Open | 2024-07-15 | P2 "
        "|  |  |  |\n"
    )
    remote.commit({file.path: text}, message="What we learnt since")
    (revision,) = services.take_incoming(connection=connection)

    applied = services.revision_accept(revision=revision, actor=manager)

    timeline = [(f"{e.occurred_at:%H:%M}", e.description)
                for e in incident.timeline_events.order_by("occurred_at")]  # fmt: skip
    assert timeline == [
        ("08:15", "Monitoring detected DNS lookups failing in eu-west"),
        ("08:20", "Escalated to the network on-call and the DNS vendor"),
        ("08:30", "Rolled back the configuration push"),
        ("08:45", "Failed over to the secondary resolver"),
    ]
    causes = list(incident.causes.values_list("description", flat=True))
    assert "No alert on the resolver's forwarders" in causes
    assert "The rollback runbook was out of date" in causes  # kept, and named below
    items = {item.title: item for item in incident.action_items.select_related("owner")}
    assert items["Canary resolver config pushes"].status == "done"
    assert items["Canary resolver config pushes"].owner == erin
    new = items["Alert when the forwarders are empty"]
    assert (new.owner, new.kind, new.priority, str(new.due_date)) == (
        erin,
        "detect",
        "P2",
        "2024-07-15",
    )
    assert "Update the rollback runbook" in items
    assert applied.summary() == (
        "Timeline: 1 added, 1 changed, 1 removed. Causes: 1 added. "
        "Action items: 1 added, 1 changed. "
        "Kept, though the repository's copy leaves them out: causes "
        "“The rollback runbook was out of date”."
    )
    # What the incident's history says of it: the changes are the manager's, one by one.
    assert incident.changes.filter(actor=manager, event="timeline_event.deleted").count() == 1
