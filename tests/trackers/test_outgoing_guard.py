"""Tracker calls go to the address that was checked, never to a second answer of the DNS."""

import http.server
import socket
import threading

import pytest

from tests.trackers.conftest import GITHUB_TOKEN, make_connection
from trackers import services
from trackers.models import TrackerConnection

pytestmark = pytest.mark.django_db

NAME = "github.rebinding.test"


@pytest.fixture
def trap(httpserver):
    """A listener on 127.0.0.2, same port as the fake GitHub: where a second lookup leads."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"full_name": "inside/secrets", "has_issues": true}')

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.2", httpserver.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield seen
    server.shutdown()
    server.server_close()


def dns_that_rebinds(monkeypatch, name: str, first: list[str], later: list[str]) -> list[str]:
    """Answer `first` to the first lookup of name and `later` to every other; log lookups."""
    real, lookups = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        answer = first if not lookups else later
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answer]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_name_answering_elsewhere_the_second_time_gets_no_token(monkeypatch, team, github, trap):
    lookups = dns_that_rebinds(monkeypatch, NAME, ["127.0.0.1"], ["127.0.0.2"])
    connection = make_connection(
        team, kind="github", github_repository=github.repo,
        github_api_url=github.api_url.replace("127.0.0.1", NAME).replace("localhost", NAME),
        token=GITHUB_TOKEN,
    )  # fmt: skip

    ok, message = services.connection_check(connection=connection)

    assert trap == []  # the listener behind the second answer heard nothing, token or not
    assert ok, message
    assert message == f"Connected to {github.repo}."
    assert lookups == [NAME]  # one lookup: the connection went to the address checked
    (request, _response) = github.server.log[-1]
    assert request.headers["Host"] == f"{NAME}:{github.server.port}"
    assert request.headers["Authorization"] == f"Bearer {GITHUB_TOKEN}"


def test_a_name_with_a_loopback_answer_behind_a_public_one_is_refused(
    settings, monkeypatch, team, github, trap
):
    settings.TRACKER_ALLOW_PRIVATE_ADDRESSES = False
    dns_that_rebinds(monkeypatch, NAME, ["93.184.216.34", "127.0.0.2"], ["127.0.0.2"])
    connection = make_connection(
        team, kind="github", github_repository=github.repo,
        github_api_url=f"http://{NAME}:{github.server.port}", token=GITHUB_TOKEN,
    )  # fmt: skip

    ok, message = services.connection_check(connection=connection)

    assert not ok
    assert "127.0.0.2" in message and "private, loopback or link-local" in message
    assert trap == [] and github.server.log == []
    assert TrackerConnection.objects.get().last_check_message == message
