"""Webhooks through a real Celery worker to a real receiver on loopback that checks signatures.

The worker is killed while the receiver holds a request: the receiver has the message, the
worker never hears back. Recovery (beat) sends it again with the same webhook-id, so the
receiver gets every event exactly once by id.
"""

import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core import events
from incidents import services
from incidents import tasks as incident_tasks
from incidents.models import User
from tests.factories import BASE_TIME, TeamFactory, UserFactory
from tests.integration.conftest import kill_worker, wait_until
from webhooks.handlers import CONSUMER
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "DELIVERY_RECOVERY_INTERVAL_SECONDS": "1",
    "DELIVERY_RECOVER_AFTER_SECONDS": "2",
    "DELIVERY_CLAIM_STALE_SECONDS": "4",
    # An hour: recovery, not the broker's redelivery, must bring the lost try back.
    "CELERY_VISIBILITY_TIMEOUT": "3600",
}


class Receiver:
    """An HTTP endpoint that verifies each request and can hold the Nth one."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict] = []  # {"id", "type", "object"} of each verified request
        self.rejected: list[str] = []
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError as error:
                    with receiver.lock:
                        receiver.rejected.append(str(error))
                    self._answer(400)
                    return
                with receiver.lock:
                    receiver.received.append(
                        {
                            "id": self.headers["webhook-id"],
                            "type": payload["type"],
                            "object": payload["data"]["id"],
                        }
                    )
                    hold = len(receiver.received) == receiver.hold_at
                if hold:
                    receiver.held.set()
                    receiver.release.wait(60)
                self._answer(204)

            def _answer(self, status: int) -> None:
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass  # the worker that asked is gone

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/postmortems"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def ids_by_event(self) -> dict[tuple[str, int], set[str]]:
        with self.lock:
            ids = defaultdict(set)
            for message in self.received:
                ids[(message["type"], message["object"])].add(message["id"])
            return dict(ids)


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


def record_changes(team, actor: User) -> set[tuple[str, int]]:
    """Make an incident with three action items and a timeline entry; return their events."""
    incident = services.incident_create(
        actor=actor,
        data={"title": "Checkout down", "started_at": BASE_TIME, "team": team,
              "status": "investigating", "resolved_at": None},
    )  # fmt: skip
    expected = {("incident.created", incident.pk)}
    for title in ("Alert on lag", "Add a runbook", "Load test"):
        item = services.action_item_create(incident=incident, actor=actor, data={"title": title})
        expected.add(("action_item.created", item.pk))
    entry = services.timeline_event_create(
        incident=incident, actor=actor, data={"occurred_at": BASE_TIME, "description": "Paged"}
    )
    expected.add(("timeline_event.created", entry.pk))
    return expected


def test_a_worker_killed_mid_delivery_leaves_each_event_received_once_by_webhook_id(
    receiver, start_worker, start_beat, queue_name, celery_app_publishing,
    monkeypatch, queue_drained,
):  # fmt: skip
    actor = UserFactory(username="webhook-actor")
    team = TeamFactory(name="Checkout", manager=UserFactory(username="checkout-lead"))
    endpoint = WebhookEndpoint.objects.create(
        team=team, url=receiver.url, events=list(WebhookEvent.values), created_by=actor
    )
    receiver.secret = endpoint.secret
    receiver.hold_at = 2  # the receiver has the 2nd message; its answer never leaves
    worker = start_worker(**SETTINGS)
    start_beat(**SETTINGS)

    # The changes' own nudges would go to this process's default queue; the test's worker
    # listens on its own, so tell it once there.
    monkeypatch.setattr(events, "_nudge", None)
    expected = record_changes(team, actor)
    incident_tasks.handle_events.apply_async(kwargs={"consumer": CONSUMER}, queue=queue_name)

    assert receiver.held.wait(60), "the second webhook never reached the receiver"
    kill_worker(worker)
    receiver.release.set()
    start_worker(**SETTINGS)

    wait_until(
        lambda: (
            WebhookDelivery.objects.count() == len(expected)
            and set(WebhookDelivery.objects.values_list("status", flat=True)) == {"sent"}
        ),
        90,
        "every webhook delivery to be marked sent",
    )
    queue_drained()  # a stray copy queued before the sentinel would have arrived by now

    assert receiver.rejected == []
    ids = receiver.ids_by_event()
    assert set(ids) == expected
    assert all(len(webhook_ids) == 1 for webhook_ids in ids.values()), ids
    # The held message came twice (that is the point), with the same id.
    assert len(receiver.received) >= len(expected) + 1
    by_row = dict(WebhookDelivery.objects.values_list("webhook_id", "event_type"))
    assert {webhook_id for (webhook_ids) in ids.values() for webhook_id in webhook_ids} == set(
        by_row
    )


def test_a_real_worker_delivers_a_signed_event_the_receiver_verifies(
    receiver, start_worker, queue_name, celery_app_publishing, monkeypatch, queue_drained
):
    actor = UserFactory(username="webhook-actor-2")
    team = TeamFactory(name="Search", manager=UserFactory(username="search-lead"))
    endpoint = WebhookEndpoint.objects.create(
        team=team, url=receiver.url, events=["action_item.created"], created_by=actor
    )
    receiver.secret = endpoint.secret
    start_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true")
    monkeypatch.setattr(events, "_nudge", None)
    expected = {e for e in record_changes(team, actor) if e[0] == "action_item.created"}
    incident_tasks.handle_events.apply_async(kwargs={"consumer": CONSUMER}, queue=queue_name)

    wait_until(lambda: len(receiver.received) >= 3, 60, "three action items")
    queue_drained()
    assert receiver.rejected == []
    assert set(receiver.ids_by_event()) == expected
    assert len(receiver.received) == 3
    attempts = WebhookDelivery.objects.filter(status="sent").count()
    assert attempts == 3
