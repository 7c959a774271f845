"""Run by tests/config/test_sqlite_load.py against a file SQLite database (DATABASE_URL).

`setup` makes a manager and two action items; `worker FOLDER` writes as the Celery worker
does (transactions that read, then write), touches FOLDER/started after its first write and
goes on until FOLDER/stop exists (at most two minutes); `pages ROUNDS` makes a bulk change of
both items on the board ROUNDS times. Each prints what it did and exits 1 at the first
database error, with the error on stderr.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from datetime import date, timedelta  # noqa: E402

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.models import ChangeRecord  # noqa: E402
from incidents.models import ActionItem, Incident, User  # noqa: E402


def setup() -> None:
    from tests.factories import ActionItemFactory, TeamFactory, UserFactory

    manager = UserFactory(username="manager")
    team = TeamFactory(manager=manager)
    ActionItemFactory.create_batch(2, incident__team=team)
    print(f"items {list(ActionItem.objects.values_list('pk', flat=True))}")


def worker(folder: str) -> None:
    started, stop = Path(folder) / "started", Path(folder) / "stop"
    incident = Incident.objects.first()
    writes = 0
    end = time.monotonic() + 120
    while not stop.exists() and time.monotonic() < end:
        with transaction.atomic():
            # Read first, then write: the pattern that a deferred transaction cannot upgrade.
            list(ActionItem.objects.values_list("pk", "status"))
            ChangeRecord.objects.create(
                incident=incident,
                event="worker.tick",
                action=ChangeRecord.Action.UPDATED,
                object_type="tick",
                object_repr=str(writes),
            )
        writes += 1
        started.touch()
    print(f"worker wrote {writes}")


def pages(rounds: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    ids = list(ActionItem.objects.values_list("pk", flat=True))
    for n in range(int(rounds)):
        due = date(2030, 1, 1) + timedelta(days=n)
        response = client.post(
            reverse("incidents:action_items_bulk"),
            {"items": ids, "action": "move_due", "due_date": due.isoformat()},
        )
        assert response.status_code == 302, response.status_code
        changed = ActionItem.objects.filter(pk__in=ids, due_date=due).count()
        assert changed == len(ids), f"round {n}: {changed} of {len(ids)} items changed"
    print(f"pages changed {rounds} times")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"setup": setup, "worker": worker, "pages": pages}[command](*args)
