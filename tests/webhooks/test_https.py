"""HTTPS to the checked address: SNI and the certificate are for the URL's host name."""

import http.server
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from core import outgoing
from webhooks import sending

NAME = "hooks.example.test"


@pytest.fixture
def tls_receiver(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; it makes the receiver's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", f"/CN={NAME}",
         "-addext", f"subjectAltName=DNS:{NAME}"],
        check=True, capture_output=True,
    )  # fmt: skip
    seen = {"sni": [], "host": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen["host"].append(self.headers["Host"])
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, cert, seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def trusting(monkeypatch):
    def trust(cert) -> None:
        original = ssl.create_default_context
        monkeypatch.setattr(
            outgoing.ssl, "create_default_context", lambda: original(cafile=str(cert))
        )

    return trust


def resolve_to_loopback(monkeypatch, *names: str) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_https_goes_to_the_checked_address_with_the_name_in_sni_and_host(
    tls_receiver, trusting, monkeypatch
):
    port, cert, seen = tls_receiver
    trusting(cert)
    resolve_to_loopback(monkeypatch, NAME)

    response = sending.post(f"https://{NAME}:{port}/hook", b"{}", {})

    assert (response.status_code, response.excerpt) == (200, "ok")
    assert seen == {"sni": [NAME], "host": [f"{NAME}:{port}"]}


def test_a_certificate_for_another_name_is_refused(tls_receiver, trusting, monkeypatch):
    port, cert, seen = tls_receiver
    trusting(cert)
    resolve_to_loopback(monkeypatch, "other.example.test")

    response = sending.post(f"https://other.example.test:{port}/hook", b"{}", {})

    assert response.status_code is None
    assert "certificate" in response.error.lower()
    assert seen["host"] == []
