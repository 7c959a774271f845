import re

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.accounts.oidc_provider import running_provider, set_user
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import _violations
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sso(settings):
    with running_provider() as issuer:
        settings.OIDC_ISSUER_URL = issuer
        settings.OIDC_RP_CLIENT_ID = "postmortems"
        settings.OIDC_RP_CLIENT_SECRET = "client-secret"
        yield issuer


@pytest.mark.parametrize("width", [1280, 390])
def test_a_person_signs_in_through_the_identity_provider(new_page, screenshot, sso, width):
    set_user(
        sso, "sub-grace", email="grace@example.com", email_verified=True, preferred_username="grace"
    )
    page = new_page(width=width, height=844)
    page.goto("/incidents/")
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    screenshot(page, f"sign-in-sso-{width}")
    assert _violations(Axe(), page) == []

    page.get_by_role("link", name="Sign in with SSO").click()
    # The provider's own page: who to sign in as.
    page.locator("input[name=sub]").fill("sub-grace")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    assert page.url.endswith("/incidents/")
    expect(page.locator(".nav-user button")).to_have_text("Log out grace")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_person_sets_up_two_factor_and_then_needs_a_code(new_page, screenshot, width):
    UserFactory(username="hopper")
    page = new_page(width=width, height=900)
    log_in(page, "hopper")
    page.goto("/incidents/settings/")
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    screenshot(page, f"two-factor-enrolment-{width}")
    assert _violations(Axe(), page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    app = pyotp.TOTP(page.locator(".otp-secret").inner_text())
    page.get_by_label("Type the 6-digit code the app shows").fill(app.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, f"two-factor-recovery-codes-{width}")

    page.context.clear_cookies()
    log_in(page, "hopper")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()


def test_the_unlock_and_lockout_pages_pass_axe(page):
    axe = Axe()
    page.goto("/account/unlock/")
    assert _violations(axe, page) == []
    manager = UserFactory(username="carol")
    TeamFactory(manager=manager)
    for _ in range(5):
        page.goto("/login/")
        page.get_by_label("Username").fill("nobody")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    assert _violations(axe, page) == []
    page.context.clear_cookies()
    log_in(page, "carol")
    page.goto("/account/lockouts/")
    expect(page.get_by_role("cell", name="nobody", exact=True)).to_be_visible()
    assert _violations(axe, page) == []
    page.get_by_role("button", name=re.compile("Clear lockout of nobody from")).click()
    expect(page.get_by_text("No one is locked out.")).to_be_visible()
