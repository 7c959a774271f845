"""A real OpenID Connect provider on loopback (oidc-provider-mock), and a browser-free user."""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import requests
from oidc_provider_mock import run_server_in_thread


@contextmanager
def running_provider() -> Iterator[str]:
    """Run the provider on a free port; yield its issuer URL."""
    with run_server_in_thread(port=0, require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def set_user(issuer: str, sub: str, **claims) -> None:
    """Tell the provider who `sub` is: e-mail, whether it is verified, groups."""
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5)
    response.raise_for_status()


def authorize(authorize_url: str, sub: str) -> str:
    """Sign in at the provider as `sub`, as a person would; return where it redirects."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
