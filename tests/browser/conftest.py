"""Playwright driving Debian's chromium against pytest-django's live server."""

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make test` installs it with apt-get."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
    # make there (factories, assertions) are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Return a function that opens a fresh browser context (one person) on the live server."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    wait_for_requests_in_flight()


def wait_for_requests_in_flight(timeout: float = 10) -> None:
    """Wait until the live server has answered every request the closed pages had started.

    A request still running (a search typed as the test ended, a poll) holds its tables while
    the test's teardown empties them: PostgreSQL then breaks the deadlock by failing the
    teardown's TRUNCATE. Each request runs on a thread of its own (socketserver names it
    after process_request_thread), which ends once the browser has closed its connection.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(
            "process_request_thread" in thread.name and thread.is_alive()
            for thread in threading.enumerate()
        ):
            return
        time.sleep(0.02)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot() -> Callable:
    """Return a function that saves a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def log_in(page, username: str, password: str = "correct-horse-battery") -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
