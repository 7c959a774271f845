"""Issue creation on a real Celery worker, killed while GitHub is making the issue.

The fake GitHub makes the issue and holds its answer; the worker is killed meanwhile, so
the tracker has the issue and the app never heard. Recovery (beat) hands the row to a new
worker, whose try looks for the item's marker first: exactly one issue exists afterwards,
linked to the item.
"""

import threading

import pytest

from incidents.models import TrackerIssue
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory
from tests.integration.conftest import kill_worker, wait_until
from tests.trackers.conftest import GITHUB_TOKEN, make_connection
from tests.trackers.fakes import FakeGitHub
from trackers import services, tasks
from trackers.models import TrackerIssueCreation

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = {
    "DELIVERY_RECOVERY_INTERVAL_SECONDS": "1",
    "DELIVERY_RECOVER_AFTER_SECONDS": "2",
    "DELIVERY_CLAIM_STALE_SECONDS": "4",
    # An hour: recovery, not the broker's redelivery, must bring the lost try back.
    "CELERY_VISIBILITY_TIMEOUT": "3600",
}


def test_a_worker_killed_while_github_makes_the_issue_leaves_exactly_one_issue(
    httpserver, start_worker, start_beat, queue_name, celery_app_publishing, monkeypatch,
    queue_drained,
):  # fmt: skip
    github = FakeGitHub(httpserver)
    github.hold_create = threading.Event()
    team = TeamFactory(name="Checkout", manager=UserFactory(username="checkout-lead"))
    make_connection(team, kind="github", github_repository=github.repo,
                    github_api_url=github.api_url, token=GITHUB_TOKEN)  # fmt: skip
    item = ActionItemFactory(incident=IncidentFactory(team=team), title="Alert on lag")
    monkeypatch.setattr(
        tasks,
        "nudge_creations",
        lambda ids: [
            tasks.create_issue.apply_async(kwargs={"creation_id": i}, queue=queue_name) for i in ids
        ],
    )
    worker = start_worker(**SETTINGS)
    start_beat(**SETTINGS)

    services.issue_request(item=item, actor=item.owner)

    assert github.hold_create.wait(60), "the worker never asked GitHub for the issue"
    assert len(github.issues) == 1  # GitHub has it; its answer is held
    kill_worker(worker)
    github.hold_create = None
    github.release_create.set()
    start_worker(**SETTINGS)

    wait_until(
        lambda: TrackerIssue.objects.filter(action_item=item, state="open").exists(),
        90,
        "the item to be linked to its issue",
    )
    queue_drained()  # a stray second try queued before the sentinel would have run by now
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get(action_item=item).key == "acme/web#1"
    row = TrackerIssueCreation.objects.get()
    assert row.status == "sent" and row.attempts >= 2
    assert github.requests.count(("POST", "/repos/acme/web/issues")) == 1
    assert ("GET", "/repos/acme/web/issues") in github.requests  # the marker search
