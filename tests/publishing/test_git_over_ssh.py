"""Any git remote over SSH with a deploy key: Debian's OpenSSH server on loopback, with its
own host key and authorized keys, serving a bare repository as a host does."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from publishing.models import PublishDelivery, RepositoryConnection, RepositoryFile
from tests.publishing.conftest import publish

pytestmark = pytest.mark.django_db

SSHD = Path("/usr/sbin/sshd")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keygen(path: Path) -> str:
    """Make an ed25519 key pair without a passphrase; return the public half."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path.with_suffix(".pub").read_text()


class SshServer:
    """sshd in the foreground on a free loopback port, for the keys written to `authorized`."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        keygen(base / "host_key")
        self.authorized = base / "authorized_keys"
        self.authorized.write_text("")
        self.config = base / "sshd_config"
        self.config.write_text(
            f"ListenAddress 127.0.0.1:{self.port}\n"
            f"HostKey {base / 'host_key'}\n"
            f"AuthorizedKeysFile {self.authorized}\n"
            f"PidFile {base / 'sshd.pid'}\n"
            "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            "AcceptEnv GIT_PROTOCOL\n"
        )
        self.log = open(base / "sshd.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Privilege separation needs its empty directory, as the Debian service makes it.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(self.config)], stderr=self.log
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.base / "sshd.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not listen within 10 seconds")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)
        self.log.close()

    def url(self, path: Path) -> str:
        return f"ssh://{os.environ.get('USER') or 'root'}@127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    if not SSHD.exists() or shutil.which("ssh") is None:
        _missing(f"{SSHD} is missing: `make test` installs openssh-server with apt-get.")
    if os.geteuid() != 0:
        _missing("sshd logs in as the user who runs the tests only when started as root.")
    server = SshServer(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deploy_key(sshd, tmp_path_factory) -> str:
    """The private half of a key the server accepts, as a person pastes it in a form."""
    path = tmp_path_factory.mktemp("client") / "deploy_key"
    sshd.authorized.write_text(keygen(path))
    return path.read_text()


@pytest.fixture(autouse=True)
def ssh_settings(settings, tmp_path):
    # ssh takes the first value of an option: ours go before the default's. Our own
    # known_hosts, so the tests never touch ~/.ssh; a short timeout, so a test never hangs.
    settings.PUBLISHING_SSH_COMMAND = settings.PUBLISHING_SSH_COMMAND.replace(
        "ssh ", f"ssh -o ConnectTimeout=3 -o UserKnownHostsFile={tmp_path / 'known_hosts'} ", 1
    )
    return settings


def connect(client, team, *, url: str, key: str) -> RepositoryConnection:
    """Connect through the form; a browser sends the textarea's lines ending in CRLF."""
    response = client.post(
        "/repositories/new/",
        {"team": team.pk, "kind": "git", "remote_url": url, "branch": "main",
         "folder": "postmortems", "mode": "direct", "ssh_key": key.replace("\n", "\r\n")},
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()[:2000]
    return RepositoryConnection.objects.get(team=team)


def test_import_publish_and_take_a_change_over_ssh_with_the_deploy_key(
    team, remote, sshd, deploy_key, manager, client, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    connection = connect(client, team, url=sshd.url(remote.path), key=deploy_key)

    response = client.post(f"/repositories/{connection.pk}/import/", follow=True)

    assert "2 imported" in response.content.decode()
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)
    row = PublishDelivery.objects.get()
    assert row.status == "sent", row.last_error
    commit = remote.last_commit()
    assert commit.id.decode() == row.commit
    assert commit.author == b"Lena Lead <lena@example.com>"
    assert b"Signed-off-by: Lena Lead <lena@example.com>" in commit.message
    assert remote.files()[file.path] == row.version.markdown

    changed = remote.files()[file.path] + "\n## Resolution <!-- pm:resolution -->\n\nBy hand.\n"
    remote.commit({file.path: changed}, message="Say how it was resolved")
    response = client.post(f"/repositories/{connection.pk}/poll/", follow=True)

    assert "1 new change." in response.content.decode()
    (revision,) = file.revisions.all()
    assert revision.status == "pending" and not revision.is_conflict
    assert "By hand." in revision.markdown


def test_a_key_the_remote_does_not_know_is_refused_with_its_reason(
    team, remote, sshd, deploy_key, manager, client, tmp_path
):
    client.force_login(manager)
    stranger = tmp_path / "stranger"
    keygen(stranger)
    connection = connect(client, team, url=sshd.url(remote.path), key=stranger.read_text())

    started = time.monotonic()
    response = client.post(f"/repositories/{connection.pk}/import/", follow=True)

    assert time.monotonic() - started < 30
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.last_error == (
        "SSH was refused: root@127.0.0.1: Permission denied (publickey). "
        "Check the key and the host."
    )
    page = response.content.decode().replace("&#x27;", "'")
    assert connection.last_error in page


def test_a_remote_that_never_answers_is_given_up_after_the_timeout(
    team, manager, client, deploy_key
):
    # A port that accepts connections and says nothing: no SSH banner ever comes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    client.force_login(manager)
    url = f"ssh://git@127.0.0.1:{silent.getsockname()[1]}/srv/repo.git"
    connection = connect(client, team, url=url, key=deploy_key)

    started = time.monotonic()
    response = client.post(f"/repositories/{connection.pk}/import/", follow=True)

    silent.close()
    assert time.monotonic() - started < 20
    connection.refresh_from_db()
    assert "timed out" in connection.last_error
    assert connection.last_error in response.content.decode().replace("&#x27;", "'")
