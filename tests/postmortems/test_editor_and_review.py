import io
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.models import ChangeRecord
from postmortems.models import Postmortem, Review
from tests.factories import IncidentFactory, PostmortemFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">raw link</a>',
    '<div onmouseover="alert(1)">raw html block</div>',
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
]
DANGEROUS_TAGS = {"script", "iframe", "svg", "style", "object", "embed"}


class _Checker(HTMLParser):
    """Collect what a browser would act on: tags, event handlers, URL schemes."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in {"href", "src"} and value and ":" in value:
                scheme = value.strip().lower().split(":", 1)[0]
                if scheme in {"javascript", "data", "vbscript"}:
                    self.problems.append(f"{tag} {name}={value}")


def _assert_clean(html: str) -> None:
    checker = _Checker()
    checker.feed(html)
    assert checker.problems == []


@pytest.mark.parametrize("payload", XSS)
def test_preview_never_returns_dangerous_html(logged_in_client, payload):
    response = logged_in_client.post("/markdownx/markdownify/", {"content": payload})
    assert response.status_code == 200
    _assert_clean(response.content.decode())


@pytest.mark.parametrize("payload", XSS)
def test_rendered_pages_never_show_dangerous_html(client, payload):
    incident = IncidentFactory(summary=payload, impact=payload)
    PostmortemFactory(
        incident=incident, sections={"resolution": payload}, reviewers=[incident.commander]
    )
    client.force_login(incident.commander)
    for url in (
        incident.get_absolute_url(),
        reverse("postmortems:review", args=[incident.pk]),
    ):
        page = client.get(url).content.decode()
        # The page's own markup has no event handlers; anything found came from the payload.
        _assert_clean(page.split('<main id="main"', 1)[1].split("</main>", 1)[0])


def test_preview_renders_markdown(logged_in_client):
    response = logged_in_client.post("/markdownx/markdownify/", {"content": "**bold** _it_"})
    assert "<strong>bold</strong>" in response.content.decode()


def test_anonymous_post_gets_no_preview(client):
    response = client.post("/markdownx/markdownify/", {"content": "**bold**"})
    assert response.status_code == 302
    assert "<strong>" not in response.content.decode()


def _png(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_stores_png_under_a_server_chosen_name(logged_in_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../evil name.png", _png(), content_type="image/png")
    response = logged_in_client.post("/markdownx/upload/", {"image": upload})
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![](/media/markdownx/") and code.endswith(".png)")
    assert "evil" not in code


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        ("x.html", b"<script>alert(1)</script>", "text/html"),
        ("x.png", b"<html><script>alert(1)</script></html>", "image/png"),
    ],
)
def test_upload_refuses_svg_and_html(
    logged_in_client, settings, tmp_path, name, content, content_type
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = logged_in_client.post("/markdownx/upload/", {"image": upload})
    assert response.status_code == 400
    assert "Only PNG and JPEG" in response.json()["image"][0]
    assert not any(tmp_path.rglob("*.*"))


def test_uploaded_image_is_shown_to_logged_in_users_only(
    logged_in_client, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("shot.png", _png(), content_type="image/png")
    code = logged_in_client.post("/markdownx/upload/", {"image": upload}).json()["image_code"]
    url = code.removeprefix("![](").removesuffix(")")

    response = logged_in_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == _png()
    assert Client().get(url).status_code == 302  # anonymous: off to the login page


def test_uploaded_files_cannot_reach_outside_the_media_folder(logged_in_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    (tmp_path / "secret.txt").write_text("not for you")
    for url in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/%2e%2e%2fsecret.txt"):
        response = logged_in_client.get(url)
        assert response.status_code in (400, 404)  # refused as suspicious, or not found
        assert b"not for you" not in response.content


def test_anonymous_upload_is_refused(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    assert client.post("/markdownx/upload/", {"image": upload}).status_code == 302
    assert not any(tmp_path.rglob("*.*"))


def _editor_form(postmortem, **changes):
    data = {
        "summary": postmortem.incident.summary,
        "impact": postmortem.incident.impact,
        "version": postmortem.version,
        "authors": [u.pk for u in postmortem.authors.all()],
        "reviewers": [u.pk for u in postmortem.reviewers.all()],
    }
    data.update(changes)
    return data


def test_second_postmortem_save_is_refused_and_keeps_the_second_persons_text(client):
    author = UserFactory()
    postmortem = PostmortemFactory(authors=[author])
    client.force_login(author)
    url = reverse("postmortems:edit", args=[postmortem.incident_id])
    first = _editor_form(postmortem, summary="Their summary")
    second = _editor_form(postmortem, summary="My summary")
    assert client.post(url, first).status_code == 302
    page = client.post(url, second).content.decode()
    assert "Someone else saved this postmortem" in page
    assert "Their summary" in page and "My summary" in page
    postmortem.incident.refresh_from_db()
    assert postmortem.incident.summary == "Their summary"


def test_review_flow_from_draft_to_published_and_reopened(client):
    author, reviewer = UserFactory(), UserFactory()
    postmortem = PostmortemFactory(authors=[author], reviewers=[reviewer])
    pk = postmortem.incident_id
    client.force_login(author)
    client.post(reverse("postmortems:submit", args=[pk]))
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW
    # The author is not a reviewer: approving is forbidden.
    assert (
        client.post(reverse("postmortems:review", args=[pk]), {"decision": "approve"}).status_code
        == 403
    )

    client.force_login(reviewer)
    client.post(reverse("postmortems:review", args=[pk]), {"decision": "approve", "body": "Good."})
    client.post(reverse("postmortems:publish", args=[pk]))
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.PUBLISHED and postmortem.published_at

    client.force_login(author)
    assert client.get(reverse("postmortems:edit", args=[pk])).status_code == 403
    client.post(reverse("postmortems:reopen", args=[pk]), {"reason": "Typo in the summary"})
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT
    record = ChangeRecord.objects.filter(incident_id=pk, action="status").first()
    assert record.note == "Typo in the summary"
    assert record.changes == {"status": ["Published", "Draft"]}


def test_publish_without_approval_of_current_text_is_refused(client):
    reviewer = UserFactory()
    postmortem = PostmortemFactory(status="in_review", reviewers=[reviewer])
    client.force_login(reviewer)
    response = client.post(
        reverse("postmortems:publish", args=[postmortem.incident_id]), follow=True
    )
    assert "must approve the current text" in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW


def test_submit_without_reviewers_says_what_to_do(client):
    author = UserFactory()
    postmortem = PostmortemFactory(authors=[author])
    client.force_login(author)
    response = client.post(
        reverse("postmortems:submit", args=[postmortem.incident_id]), follow=True
    )
    assert "Name at least one reviewer" in response.content.decode()


def test_outsider_cannot_edit_or_publish(logged_in_client):
    postmortem = PostmortemFactory(status="in_review")
    pk = postmortem.incident_id
    assert logged_in_client.get(reverse("postmortems:edit", args=[pk])).status_code == 403
    assert logged_in_client.post(reverse("postmortems:publish", args=[pk])).status_code == 403
    # Everyone logged in may read.
    assert logged_in_client.get(reverse("postmortems:review", args=[pk])).status_code == 200


def test_times_outside_an_incident_are_shown_in_the_readers_own_zone(client):
    review = ReviewFactory(body="Approved with one nit.")
    Review.objects.filter(pk=review.pk).update(created_at=datetime(2026, 1, 15, 15, 0, tzinfo=UTC))
    url = reverse("postmortems:review", args=[review.postmortem.incident_id])

    client.force_login(UserFactory(time_zone="America/New_York"))
    assert "2026-01-15 10:00 EST" in client.get(url).content.decode()
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))
    assert "2026-01-16 00:00 JST" in client.get(url).content.decode()
