"""Several nodes on one machine (deploy/cluster.py): HAProxy in front of two gunicorn nodes,
two workers and one beat, sharing only PostgreSQL, Redis and an S3 server.

Everything the test does goes over HTTP (through the load balancer, or to one node) and SMTP,
as a person and the mail would. One cluster serves every test of the module: a node a test
killed is started again before the next.
"""

import io
import re
import shutil
import time
from collections import Counter

import psutil
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from kombu import Connection
from PIL import Image

from core.models import Delivery
from deploy.cluster import Cluster, Node
from incidents import tasks
from incidents.models import ActionItem, ReminderDelivery, User
from tests.factories import IncidentFactory, PostmortemFactory, TeamFactory, UserFactory
from tests.integration.conftest import SmtpServer, _missing, free_port, wait_until
from tests.integration.test_reminder_worker import DAY, owners_with_due_items
from tests.integration.test_webhook_worker import Receiver
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

PASSWORD = "correct-horse-battery"  # UserFactory's
# Seconds a request may take: a node's first pages load the app, slow on a busy machine.
TIMEOUT = 30
# What every process of the cluster runs with, on top of deploy.cluster's own settings.
CLUSTER_SETTINGS = {
    # The test's webhook receiver listens on loopback.
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    # Recovery (beat) every second, taking over a claim 8 s old: what a killed worker held
    # is sent again within seconds, not the minutes a deploy waits. The claim still outlasts
    # one try (EMAIL_TIMEOUT is 5 s), so a slow but living worker is not taken over.
    "DELIVERY_RECOVERY_INTERVAL_SECONDS": "1",
    "DELIVERY_RECOVER_AFTER_SECONDS": "3",
    "DELIVERY_CLAIM_STALE_SECONDS": "8",
}
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _content_type_ids() -> dict[tuple[str, str], int]:
    return {(ct.app_label, ct.model): ct.pk for ct in ContentType.objects.all()}


def _restore_content_type_ids(known: dict[tuple[str, str], int]) -> None:
    """Give the content types back the ids the running nodes have cached.

    The flush after each transactional test makes them anew with new ids (the sequence goes
    on); a node would then record a change against a content type id that is gone. The
    flush emptied every table that points to them but the permissions.
    """
    moves = {
        pk: known[key]
        for key, pk in _content_type_ids().items()
        if key in known and known[key] != pk
    }
    if not moves:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for new, old in moves.items():
            cursor.execute(
                "UPDATE auth_permission SET content_type_id = %s WHERE content_type_id = %s",
                [old, new],
            )
            cursor.execute("UPDATE django_content_type SET id = %s WHERE id = %s", [old, new])
    ContentType.objects.clear_cache()


@pytest.fixture(scope="module")
def cluster_smtp():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.mailbox.release.set()
    server.stop()


@pytest.fixture(scope="module")
def running_cluster(django_db_setup, django_db_blocker, cluster_smtp):
    for program in ("haproxy", "redis-server"):
        if shutil.which(program) is None:
            _missing(f"{program} is not installed (apt-get install {program}; make test does it)")
    if connection.vendor != "postgresql":
        _missing("the cluster test needs PostgreSQL (set DATABASE_URL)")
    started = Cluster(
        database_url=_database_url(), smtp_port=cluster_smtp.port, extra_env=CLUSTER_SETTINGS
    )
    try:
        with django_db_blocker.unblock():
            started.start()
        yield started
    finally:
        started.stop()
        shutil.rmtree(started.base, ignore_errors=True)


@pytest.fixture(scope="module")
def cached_content_types(running_cluster, django_db_blocker) -> dict[tuple[str, str], int]:
    with django_db_blocker.unblock():
        return _content_type_ids()


@pytest.fixture
def cluster(running_cluster, cached_content_types, cluster_smtp):
    """The module's cluster with every node up and an empty mailbox."""
    _restore_content_type_ids(cached_content_types)
    running_cluster.revive()
    cluster_smtp.restart_empty()
    return running_cluster


def cluster_user(username: str, **fields) -> User:
    """Return a user who can sign in to the nodes, which run the production hashers."""
    user = UserFactory(username=username, **fields)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "clustersalt", iterations=1000)
    user.save(update_fields=["password"])
    return user


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=TIMEOUT)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=TIMEOUT, allow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    return session


def publish_to(cluster: Cluster, task, *args) -> None:
    """Send a task to the cluster's workers (this process runs tasks in-process otherwise)."""
    from config.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with Connection(cluster.redis_url) as broker:
            task.apply_async(args=list(args), queue=cluster.queue, connection=broker)
    finally:
        app.conf.task_always_eager = eager


def test_nodes_share_uploads_edits_and_sessions_and_survive_losing_one(cluster, cluster_smtp):
    author = cluster_user("cluster-author")
    postmortem = PostmortemFactory(authors=[author])
    incident_id = postmortem.incident_id
    node_a, node_b = cluster.web
    session = signed_in(cluster.url, author.username)  # through the load balancer
    csrf = {"X-CSRFToken": session.cookies["csrftoken"]}

    # An image uploaded through one node is there on the other (no shared disk: S3).
    response = session.post(
        f"{node_a.url}/markdownx/upload/", files={"image": ("shot.png", _png(), "image/png")},
        headers=csrf, timeout=TIMEOUT,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    url = re.match(r"!\[\]\((.+)\)", response.json()["image_code"]).group(1)
    for base in (node_b.url, cluster.url):
        image = session.get(f"{base}{url}", timeout=TIMEOUT)
        assert image.status_code == 200 and image.content == _png()
    anonymous = requests.get(f"{node_b.url}{url}", timeout=TIMEOUT, allow_redirects=False)
    assert anonymous.status_code == 302
    assert not list((cluster.base / node_a.name / "media").rglob("*.png"))

    # Edited on one node, the page on the other shows the edit (its cached parts retired).
    page = reverse("incidents:detail", args=[incident_id])
    document = reverse("postmortems:document", args=[incident_id])
    for path in (page, document):
        assert session.get(f"{node_b.url}{path}", timeout=TIMEOUT).status_code == 200
    postmortem.refresh_from_db()
    edit = session.post(
        f"{node_a.url}{reverse('postmortems:edit', args=[incident_id])}",
        data={
            "summary": "Edited on node A: the cache stampede",
            "impact": postmortem.incident.impact,
            "version": postmortem.version,
            "authors": [author.pk],
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=TIMEOUT, allow_redirects=False,
    )  # fmt: skip
    assert edit.status_code == 302, edit.text[:2000]
    for path in (page, document):
        assert (
            "Edited on node A: the cache stampede"
            in session.get(f"{node_b.url}{path}", timeout=TIMEOUT).text
        )

    # A reminder sweep on the shared queue: two workers, one digest per person.
    expected = owners_with_due_items(3)
    publish_to(cluster, tasks.send_reminders_sweep, DAY.isoformat())
    wait_until(lambda: len(cluster_smtp.mailbox.messages) >= len(expected), 90, "the digests")

    time.sleep(3)  # long enough for a duplicate to show up, were one on its way
    assert Counter(m["To"] for m in cluster_smtp.mailbox.messages) == Counter(expected)

    # One web node dies; through the load balancer every request still succeeds.
    node_a.kill()
    statuses = [session.get(f"{cluster.url}{page}", timeout=TIMEOUT).status_code for _ in range(20)]
    assert statuses == [200] * 20


def test_an_event_made_through_the_load_balancer_reaches_the_webhook_once_and_signed(cluster):
    receiver = Receiver()
    receiver.start()
    try:
        commander = cluster_user("cluster-commander")
        team = TeamFactory(name="Payments")
        incident = IncidentFactory(team=team, commander=commander)
        endpoint = WebhookEndpoint.objects.create(
            team=team, url=receiver.url, events=[WebhookEvent.ACTION_ITEM_CREATED]
        )
        receiver.secret = endpoint.secret
        assert all(worker.alive for worker in cluster.workers) and len(cluster.workers) == 2
        session = signed_in(cluster.url, commander.username)

        # Four items, round-robin over both web nodes; each event handled by either worker.
        titles = ["Alert on queue depth", "Runbook for failover", "Load test", "Rotate keys"]
        for title in titles:
            created = session.post(
                f"{cluster.url}{reverse('incidents:item_create', args=[incident.pk])}",
                data={"item-title": title, "item-kind": "detect", "item-priority": "P2",
                      "item-status": "open",
                      "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                timeout=TIMEOUT, allow_redirects=False,
            )  # fmt: skip
            assert created.status_code == 302, created.text[:2000]
        items = ActionItem.objects.filter(incident=incident)
        expected = Counter(("action_item.created", pk) for pk in items.values_list("pk", flat=True))
        assert sum(expected.values()) == len(titles)

        wait_until(lambda: len(receiver.received) >= len(titles), 60, "the four webhooks")
        time.sleep(3)  # long enough for a duplicate to show up, were one on its way
        with receiver.lock:
            received = list(receiver.received)
        assert receiver.rejected == []  # every request carried a valid signature
        assert Counter((message["type"], message["object"]) for message in received) == expected
        assert len({message["id"] for message in received}) == len(titles)
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert sorted(deliveries.values_list("status", "attempts")) == [("sent", 1)] * len(titles)
    finally:
        receiver.stop()


def worker_holding(cluster: Cluster, peer: tuple[str, int]) -> Node:
    """Return the worker whose process (or pool child) is the SMTP client at peer."""
    for node in cluster.workers:
        parent = psutil.Process(node.process.pid)
        for process in (parent, *parent.children(recursive=True)):
            for sock in process.net_connections(kind="tcp"):
                if sock.laddr and (sock.laddr.ip, sock.laddr.port) == tuple(peer[:2]):
                    return node
    raise AssertionError(f"no worker holds the SMTP connection from {peer}")


def test_a_worker_killed_mid_sweep_leaves_every_digest_delivered_exactly_once(
    cluster, cluster_smtp
):
    expected = owners_with_due_items(12)
    mailbox = cluster_smtp.mailbox
    mailbox.delay = 0.2  # each message takes a moment, so both workers share the sweep
    mailbox.hold_at = 4  # the 4th digest hangs before its data: its worker is busy with it
    publish_to(cluster, tasks.send_reminders_sweep, DAY.isoformat())

    assert mailbox.held.wait(60), "the fourth digest never started"
    victim = worker_holding(cluster, mailbox.held_peer)
    victim.kill()  # SIGKILL mid-task: the digest neither sent nor its row finished
    mailbox.release.set()
    arrived_before = len(mailbox.messages)
    assert 0 < arrived_before < len(expected)
    survivor = next(worker for worker in cluster.workers if worker is not victim)
    assert survivor.alive and not victim.alive

    # The survivor sends the rest and, once recovery finds the stale claim, the lost one.
    wait_until(lambda: len(mailbox.messages) >= len(expected), 90, "every digest")
    time.sleep(3)  # long enough for a duplicate to show up, were one on its way
    assert Counter(m["To"] for m in mailbox.messages) == Counter(expected)
    statuses = ReminderDelivery.objects.values_list("status", flat=True)
    assert list(statuses) == [Delivery.Status.SENT] * len(expected)
    # The killed worker's digest was claimed twice: by it, then by the survivor.
    attempts = sorted(ReminderDelivery.objects.values_list("attempts", flat=True))
    assert attempts == [1] * (len(expected) - 1) + [2]
