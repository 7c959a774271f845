"""Outgoing HTTP to addresses that users give us (webhook endpoints, trackers): one guard.

Against server-side request forgery and DNS rebinding, the host is resolved once per call,
every address it resolves to must be public (unless the caller allows private ones), and
the connection is made to one of those very addresses, with the URL's host name in the
Host header and, for HTTPS, in SNI and the certificate check. So a name that resolves to a
public address for the check and a private one for the connection cannot happen: there is
no second lookup. Nothing here follows redirects or goes through a proxy from the
environment, since either would connect to an address that was never checked.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import SplitResult, urlsplit

import requests
from requests.adapters import HTTPAdapter


class RefusedURL(Exception):
    """The URL may not be called: not http(s), or a host on a non-public address."""


def is_public_address(address: str) -> bool:
    """Return True for an address on the public internet (not private, loopback, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def resolve(url: str, *, allow_private: bool, refusal: str) -> tuple[SplitResult, list[str]]:
    """Return the URL's parts and the addresses its host resolves to, all of them allowed.

    Raise RefusedURL when the URL is not http(s) or any address is not public (a name that
    resolves to one public and one private address is refused too; `refusal` ends the
    message), and OSError when the name does not resolve.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL("Give an http:// or https:// URL with a host name.")
    try:
        port = default_port(parts)
    except ValueError:
        raise RefusedURL("The port in the URL is not a number from 1 to 65535.") from None
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise RefusedURL(
                f"{parts.hostname} resolves to {refused[0]}, a private, loopback or link-local "
                f"address; {refusal}"
            )
    return parts, addresses


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address, with SNI and the certificate checked for the host name."""

    def __init__(self, address: str, port: int, *, hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._hostname = hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._hostname)


def pinned_connection(
    parts: SplitResult, address: str, *, timeout: float
) -> http.client.HTTPConnection:
    """Return a connection to the checked address that speaks for the URL's host name."""
    if parts.scheme == "https":
        return PinnedHTTPSConnection(
            address, default_port(parts), hostname=parts.hostname, timeout=timeout
        )
    return http.client.HTTPConnection(address, default_port(parts), timeout=timeout)


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections go to one checked address.

    The request keeps its URL (so the path, query and Host are the host name's), while the
    connection pool is keyed on the address, with the host name for SNI and the certificate.
    """

    def __init__(self, address: str, **kwargs) -> None:
        self.address = address
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        hostname = host_params["host"]
        host_params = {**host_params, "host": self.address}
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": hostname, "assert_hostname": hostname}
        return host_params, pool_kwargs


def pinned_request(method: str, url: str, *, address: str, headers=None, **kwargs):
    """Send one request with requests to the given checked address of the URL's host.

    Raise requests' exceptions for the call. Redirects are never followed.
    """
    with requests.Session() as session:
        session.trust_env = False
        adapter = PinnedAdapter(address)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        host = urlsplit(url).netloc.rpartition("@")[2]
        return session.request(
            method, url, headers={**(headers or {}), "Host": host}, allow_redirects=False, **kwargs
        )
