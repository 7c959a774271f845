import pytest

from tests.browser.conftest import log_in
from tests.factories import IncidentFactory, PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_break_no_content_security_policy_rule(page, screenshot):
    UserFactory(username="csp-reader")
    incident = IncidentFactory(
        title="Cache stampede", summary="**bold** and a [link](https://x.example)"
    )
    PostmortemFactory(incident=incident, sections={"went_well": "Paging *worked*."})
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    log_in(page, "csp-reader")
    pages = (
        "/incidents/", f"/incidents/{incident.pk}/", f"/postmortems/{incident.pk}/",
        f"/postmortems/{incident.pk}/edit/", f"/postmortems/{incident.pk}/review/",
        "/incidents/action-items/", "/incidents/dashboard/", "/postmortems/import/",
        "/incidents/settings/", "/incidents/calendar/", "/settings/tokens/", "/api/v1/docs/",
    )  # fmt: skip
    for path in pages:
        response = page.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    screenshot(page, "csp-postmortem-document")

    assert violations == []


def test_a_script_that_slipped_into_a_page_would_not_run(page, live_server):
    # A page of ours with an inline script added, as a sanitizer miss would: CSP blocks it.
    UserFactory(username="csp-victim")
    log_in(page, "csp-victim")
    page.goto("/incidents/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.pwned = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.pwned === true") is False


def test_the_api_docs_page_lists_the_operations_without_breaking_the_policy(page, screenshot):
    UserFactory(username="api-reader")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, "api-reader")

    page.goto("/api/v1/docs/")
    page.wait_for_selector("text=/api/v1/timeline-events/")
    screenshot(page, "api-docs")

    assert problems == []
    assert page.locator(".opblock-summary-path").count() >= 37
