"""Several nodes on one machine (deploy/cluster.py): HAProxy in front of two gunicorn nodes,
two workers and one beat, sharing only PostgreSQL, Redis and an S3 server.

Everything the test does goes over HTTP (through the load balancer, or to one node) and SMTP,
as a person and the mail would.
"""

import io
import re
import shutil
import time
from collections import Counter

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from kombu import Connection
from PIL import Image

from deploy.cluster import Cluster
from incidents import tasks
from tests.factories import PostmortemFactory, UserFactory
from tests.integration.conftest import _missing, wait_until
from tests.integration.test_reminder_worker import DAY, owners_with_due_items

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture
def cluster(services, smtp_server):
    if shutil.which("haproxy") is None:
        _missing("haproxy is not installed (apt-get install haproxy; make test does it)")
    smtp_server.start()
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    started = Cluster(database_url=database_url, smtp_port=smtp_server.port)
    try:
        yield started.start()
    finally:
        started.stop()
        shutil.rmtree(started.base, ignore_errors=True)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=10)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10, allow_redirects=False,
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


def test_nodes_share_uploads_edits_and_sessions_and_survive_losing_one(cluster, smtp_server):
    author = UserFactory(username="cluster-author")
    # The nodes run the production hashers, not the tests' MD5.
    author.password = PBKDF2PasswordHasher().encode(PASSWORD, "clustersalt", iterations=1000)
    author.save(update_fields=["password"])
    postmortem = PostmortemFactory(authors=[author])
    incident_id = postmortem.incident_id
    node_a, node_b = cluster.web
    session = signed_in(cluster.url, author.username)  # through the load balancer
    csrf = {"X-CSRFToken": session.cookies["csrftoken"]}

    # An image uploaded through one node is there on the other (no shared disk: S3).
    response = session.post(
        f"{node_a.url}/markdownx/upload/", files={"image": ("shot.png", _png(), "image/png")},
        headers=csrf, timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    url = re.match(r"!\[\]\((.+)\)", response.json()["image_code"]).group(1)
    for base in (node_b.url, cluster.url):
        image = session.get(f"{base}{url}", timeout=10)
        assert image.status_code == 200 and image.content == _png()
    assert requests.get(f"{node_b.url}{url}", timeout=10, allow_redirects=False).status_code == 302
    assert not list((cluster.base / node_a.name / "media").rglob("*.png"))

    # Edited on one node, the page on the other shows the edit (its cached parts retired).
    page = reverse("incidents:detail", args=[incident_id])
    document = reverse("postmortems:document", args=[incident_id])
    for path in (page, document):
        assert session.get(f"{node_b.url}{path}", timeout=10).status_code == 200
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
        timeout=10, allow_redirects=False,
    )  # fmt: skip
    assert edit.status_code == 302, edit.text[:2000]
    for path in (page, document):
        assert (
            "Edited on node A: the cache stampede"
            in session.get(f"{node_b.url}{path}", timeout=10).text
        )

    # A reminder sweep on the shared queue: two workers, one digest per person.
    expected = owners_with_due_items(3)
    publish_to(cluster, tasks.send_reminders_sweep, DAY.isoformat())
    wait_until(lambda: len(smtp_server.mailbox.messages) >= len(expected), 90, "the digests")

    time.sleep(3)  # long enough for a duplicate to show up, were one on its way
    assert Counter(m["To"] for m in smtp_server.mailbox.messages) == Counter(expected)

    # One web node dies; through the load balancer every request still succeeds.
    node_a.kill()
    statuses = [session.get(f"{cluster.url}{page}", timeout=10).status_code for _ in range(20)]
    assert statuses == [200] * 20
