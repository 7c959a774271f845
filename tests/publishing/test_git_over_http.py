"""Any git remote over HTTP(S) with a user name and token: dulwich's own git server on
loopback, behind basic authentication, as a host serves a repository."""

import base64
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain

from publishing import services
from publishing.models import PublishDelivery, RepositoryFile
from tests.publishing.conftest import make_connection, publish

pytestmark = pytest.mark.django_db

USER, TOKEN = "bot", "s3cret-token"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


def basic_auth(app):
    expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()

    def guarded(environ, start_response):
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"'),
                                                ("Content-Type", "text/plain")])  # fmt: skip
            return [b"Authentication required"]
        return app(environ, start_response)

    return guarded


@pytest.fixture
def served(remote):
    """Serve the bare repository over git's smart HTTP protocol on a free loopback port."""
    repo = Repo(str(remote.path))
    app = basic_auth(make_wsgi_chain(DictBackend({"/": repo})))
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    repo.close()


def test_import_and_publish_over_http_with_the_token(
    team, remote, served, manager, django_capture_on_commit_callbacks
):
    connection = make_connection(team, kind="git", remote_url=served, username=USER,
                                 token=TOKEN, mode="direct")  # fmt: skip
    run = services.import_folder(connection=connection, actor=manager)
    assert run.count("imported") == 2, run.error
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")

    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)

    row = PublishDelivery.objects.get()
    assert row.status == "sent", row.last_error
    assert remote.files()[file.path] == row.version.markdown
    assert remote.last_commit().author == b"Lena Lead <lena@example.com>"


def test_a_wrong_token_is_refused_with_the_remotes_reason(team, served, manager):
    connection = make_connection(team, kind="git", remote_url=served, username=USER,
                                 token="wrong", mode="direct")  # fmt: skip

    run = services.import_folder(connection=connection, actor=manager)

    connection.refresh_from_db()
    assert run.error.startswith("The remote refused the credentials")
    assert connection.last_error == run.error
