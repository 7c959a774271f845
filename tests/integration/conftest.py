"""A real Celery worker on Redis and a real SMTP server on loopback (aiosmtpd).

Outside CI these tests skip when Redis or PostgreSQL is missing; with CI=true that is a
failure, because CI must prove the reminders against real services.
"""

import asyncio
import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Mailbox:
    """Collects what the SMTP server accepted; can hold one transaction to simulate a crash."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.hold_at: int | None = None  # hold the Nth RCPT (1-based) until released
        # Keep the Nth message (1-based) but hold back its "250 OK" until released: the
        # server has it, the client never hears so.
        self.hold_reply_at: int | None = None
        self.delay = 0.0  # seconds each message takes, to spread a sweep over time
        self.held = threading.Event()
        self.held_peer: tuple[str, int] | None = None  # the client of the held transaction
        self.release = threading.Event()
        self._rcpt_count = 0
        self._data_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self._rcpt_count += 1
            hold = self._rcpt_count == self.hold_at
        if hold:
            self.held_peer = session.peer
            self.held.set()
            await asyncio.to_thread(self.release.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(message)
            self._data_count += 1
            hold = self._data_count == self.hold_reply_at
        if hold:
            self.held.set()
            await asyncio.to_thread(self.release.wait, 60)
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(m["To"] for m in self.messages)


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def restart_empty(self) -> None:
        """Listen again on the same port with an empty mailbox (a server shared by tests)."""
        self.mailbox.release.set()
        self.stop()
        self.mailbox = Mailbox()
        self.start()


@pytest.fixture
def services():
    """Check Redis and PostgreSQL are there, and return the broker URL."""
    url = os.environ.get("REDIS_URL", settings.REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        _missing(f"Redis is not reachable at {url}: {error}")
    if connection.vendor != "postgresql":
        _missing("the worker integration tests need PostgreSQL (set DATABASE_URL)")
    return url


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    yield server
    server.mailbox.release.set()
    server.stop()


@pytest.fixture
def queue_name() -> str:
    return f"reminders-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def celery_app_publishing(services, queue_name):
    """Make this process publish to Redis (not run tasks in-process) on a private queue."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue_name)
    app.conf.task_always_eager = previous


class PrivateRedis:
    """A Redis of the test's own on a free port, without persistence, that can be restarted.

    The machine's Redis is never touched: restarting this one loses its queue, as a Redis
    without persistence does.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, 10, f"a private Redis on port {self.port}")

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as a crash or an OOM kill: nothing is saved
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def private_redis(services):
    import shutil

    if shutil.which("redis-server") is None:
        _missing("redis-server is not installed; the recovery tests start a Redis of their own")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(services, smtp_server, queue_name):
    """Return the environment of the worker and beat subprocesses (Redis, SMTP, database)."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": services,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue_name,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "DELIVERY_CLAIM_STALE_SECONDS": "3",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_TIMEOUT": "5",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture
def start_beat(worker_env, queue_name, tmp_path):
    """Return a function that starts Celery beat with extra settings; stopped at the end."""
    beats: list[subprocess.Popen] = []

    def start(**extra_env: str) -> subprocess.Popen:
        log = open(ROOT / "test-artifacts" / f"beat-{queue_name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat",
             "--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"],
            cwd=ROOT, env={**worker_env, **extra_env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        beats.append(process)
        return process

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    yield start
    for process in beats:
        kill_worker(process)


@pytest.fixture
def start_worker(worker_env, queue_name, django_db_blocker):
    """Return a function that starts a Celery worker subprocess; all are killed at the end.

    Keyword arguments override settings of the worker's environment.
    """
    workers: list[subprocess.Popen] = []

    def start(**extra_env: str) -> subprocess.Popen:
        env = {**worker_env, **extra_env}
        log = open(ROOT / "test-artifacts" / f"worker-{queue_name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker",
             "--concurrency", "1", "--pool", "prefork", "--queues", queue_name,
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--include", "tests.integration.sentinel", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        workers.append(process)
        return process

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    yield start
    for process in workers:
        kill_worker(process)


@pytest.fixture
def queue_drained(queue_name, tmp_path) -> Callable[..., None]:
    """Return a function that waits until the worker has run every task queued so far.

    It sends the sentinel task through the test's queue (on `broker_url`, the test's Redis
    unless given) and waits for it: proof that nothing more is on its way, without sleeping.
    """
    from tests.integration.sentinel import NAME

    def wait(timeout: float = 60, broker_url: str | None = None) -> None:
        from config.celery import app

        marker = tmp_path / f"sentinel-{uuid.uuid4().hex}"
        with app.connection_for_write(broker_url) as connection:
            app.send_task(NAME, args=[str(marker)], queue=queue_name, connection=connection)
        wait_until(marker.exists, timeout, "the sentinel task, queued after the work")

    return wait


def kill_worker(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Kill the worker and its pool children at once, as a crash or OOM kill would."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    process.wait(timeout=10)
