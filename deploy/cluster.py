"""Several nodes on one machine, on loopback: what `make cluster` starts and the tests prove.

HAProxy (Debian's) in front of two gunicorn nodes, two Celery workers and one beat, each in
a working directory of its own with nothing on a shared disk; PostgreSQL (a database given
by DATABASE_URL), a throwaway Redis with append-only persistence and moto's S3 server for
the uploads. No orchestration of our own: processes started, watched through /health/, and
killed at the end.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HAPROXY_CONFIG = """\
global
    maxconn 256
defaults
    mode http
    # A request whose node refused or dropped it goes to another node at the next try.
    option redispatch 1
    retries 3
    retry-on conn-failure empty-response response-timeout
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A node whose workers are all busy answers its check late, not never: without this the
    # check's timeout is `inter` (1 s), and under load every node was marked down (503s).
    timeout check 5s
frontend www
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /health/
    http-check expect status 200
{servers}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(0.3)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def _answers_http(url: str) -> bool:
    import requests

    return requests.get(url, timeout=2).status_code == 200


@dataclass
class Node:
    """One process of the cluster, with what it takes to start it again after a crash."""

    name: str
    args: list[str]
    workdir: Path
    log: Path
    env: dict[str, str] | None = None
    port: int | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        """Kill the process and its children at once, as a crash would."""
        if self.process is None:
            return
        # The whole group even when the process itself is gone: a worker's pool children
        # outlive it. The group id stays taken while any of them lives.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Cluster:
    """Start with start(), stop with stop(); `env` is what every app process gets."""

    database_url: str
    smtp_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pm-cluster-")))
    nodes: list[Node] = field(default_factory=list)
    web: list[Node] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    queue: str = field(default_factory=lambda: f"cluster-{uuid.uuid4().hex[:8]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, web_nodes: int = 2, workers: int = 2, web_workers: int = 2) -> "Cluster":
        """Start every process and wait until HAProxy answers; web_workers is per web node."""
        self.redis_url = self._start_redis()
        self.s3_url, self.bucket = self._start_s3()
        self.env = self._app_env()
        self._manage("migrate", "migrate", "--no-input", "-v", "0")
        web = [self._web_node(f"web{i}", web_workers) for i in range(1, web_nodes + 1)]
        for node in web:
            wait_until(lambda n=node: _answers_http(f"{n.url}/health/"), 120, f"{node.name}")
        self.web = web
        for index in range(1, workers + 1):
            self._app_process(
                f"worker{index}",
                ["celery", "-A", "config", "worker", "--concurrency", "1", "--queues",
                 self.queue, "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            )  # fmt: skip
        self._app_process(
            "beat", ["celery", "-A", "config", "beat", "--schedule", "schedule", "-l", "INFO"]
        )
        self._start_haproxy()
        wait_until(lambda: _answers_http(f"{self.url}/health/"), 60, "HAProxy")
        return self

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.kill()

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    @property
    def workers(self) -> list[Node]:
        return [node for node in self.nodes if node.name.startswith("worker")]

    def revive(self) -> None:
        """Start again every process that was killed, on its port and in its directory."""
        for node in self.nodes:
            if not node.alive:
                node.start()
        for node in self.web:
            wait_until(lambda n=node: _answers_http(f"{n.url}/health/"), 120, f"{node.name}")
        wait_until(lambda: _answers_http(f"{self.url}/health/"), 60, "HAProxy")

    # The services under the app -------------------------------------------------------

    def _spawn(self, name: str, args: list[str], env=None) -> Node:
        node = Node(name, args, self.base / name, self.base / f"{name}.log", env=env)
        node.start()
        self.nodes.append(node)
        return node

    def _start_redis(self) -> str:
        import redis

        port = free_port()
        self._spawn(
            "redis",
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.base / "redis")],
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        wait_until(lambda: redis.Redis.from_url(url).ping(), 20, "Redis")
        return url

    def _start_s3(self) -> tuple[str, str]:
        import boto3

        port = free_port()
        self._spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)])
        url = f"http://127.0.0.1:{port}"
        bucket = "postmortems-media"
        client = boto3.client(
            "s3", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="cluster", aws_secret_access_key="cluster",
        )  # fmt: skip
        wait_until(lambda: client.list_buckets() is not None, 30, "the S3 server")
        client.create_bucket(Bucket=bucket)
        return url, bucket

    def _app_env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "cluster-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "CSRF_TRUSTED_ORIGINS": self.url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": "cluster",
            "AWS_SECRET_ACCESS_KEY": "cluster",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_TIMEOUT": "5",
            **self.extra_env,
        }
        for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "STATIC_ROOT", "MEDIA_ROOT"):
            env.pop(name, None)
        return env

    def _node_env(self, name: str) -> dict[str, str]:
        # Each node's own disk: static files collected into it, uploads (were there no
        # bucket) kept in it. Nothing of one node is visible to another.
        workdir = self.base / name
        return {
            **self.env,
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
        }

    def _manage(self, name: str, *args: str) -> None:
        """Run a manage.py command to its end, in the named node's directory."""
        workdir = self.base / name
        workdir.mkdir(parents=True, exist_ok=True)
        with (self.base / f"{name}.log").open("ab") as log:
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), *args], cwd=workdir,
                env=self._node_env(name), check=True, timeout=300, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def _app_process(self, name: str, args: list[str], env=None) -> Node:
        args = [str(BIN / args[0]), *args[1:]]
        return self._spawn(name, args, env=env or self._node_env(name))

    def _web_node(self, name: str, workers: int) -> Node:
        self._manage(name, "collectstatic", "--no-input", "-v", "0")
        port = free_port()
        node = self._app_process(
            name,
            ["gunicorn", "config.wsgi", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--chdir", str(self.base / name)],
        )  # fmt: skip
        node.port = port
        return node

    def _start_haproxy(self) -> None:
        servers = "\n".join(
            f"    server {n.name} 127.0.0.1:{n.port} check inter 1s fall 2 rise 2" for n in self.web
        )
        config = self.base / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=self.port, servers=servers))
        self._spawn("haproxy", ["haproxy", "-db", "-f", str(config)])


def main() -> None:
    """Start a cluster on this machine and keep it up until Ctrl-C."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Debugging

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postmortems")
    smtp = Controller(Debugging(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    cluster = Cluster(database_url=database_url, smtp_port=smtp.port)
    try:
        cluster.start()
        nodes = ", ".join(n.url for n in cluster.web)
        print(f"Cluster up: {cluster.url} (HAProxy) in front of {nodes}.")
        print(f"Logs in {cluster.base}; mail printed by the SMTP catcher on port {smtp.port}.")
        print("Ctrl-C stops it.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        smtp.stop()


if __name__ == "__main__":
    main()
