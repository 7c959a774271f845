"""The outgoing guard over requests: HTTPS to the checked address, for the URL's name."""

import pytest
import requests

from core import outgoing
from tests.webhooks.test_https import NAME, resolve_to_loopback, tls_receiver  # noqa: F401


def test_https_through_requests_goes_to_the_checked_address_with_sni_and_host(
    tls_receiver,  # noqa: F811
    monkeypatch,
):
    port, cert, seen = tls_receiver
    url = f"https://{NAME}:{port}/hook"
    resolve_to_loopback(monkeypatch, NAME)
    _parts, addresses = outgoing.resolve(url, allow_private=True, refusal="")

    response = outgoing.pinned_request(
        "POST", url, address=addresses[0], data=b"{}", verify=str(cert), timeout=5
    )

    assert (response.status_code, response.text) == (200, "ok")
    assert seen == {"sni": [NAME], "host": [f"{NAME}:{port}"]}


def test_a_certificate_for_another_name_is_refused_through_requests(
    tls_receiver,  # noqa: F811
):
    port, cert, seen = tls_receiver
    # The address is right, but the certificate is for NAME, not for the name asked for.
    url = f"https://other.example.test:{port}/hook"
    with pytest.raises(requests.exceptions.SSLError, match=r"other\.example\.test|certificate"):
        outgoing.pinned_request("POST", url, address="127.0.0.1", verify=str(cert), timeout=5)
    assert seen["host"] == []
