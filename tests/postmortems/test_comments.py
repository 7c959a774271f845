"""Comment threads on the review page: start, reply, edit, delete, resolve, and who may."""

import re

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from postmortems.collaboration import comments
from postmortems.models import Comment, CommentThread, Postmortem
from tests.api.conftest import api_client_for  # noqa: F401 - a fixture
from tests.factories import (
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", first_name="Alice", last_name="Author")


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Reviewer")


@pytest.fixture
def postmortem(alice, bob):
    postmortem = PostmortemFactory(authors=[alice], reviewers=[bob])
    TimelineEventFactory(incident=postmortem.incident, description="Paged the on-call")
    return postmortem


def _review_url(postmortem: Postmortem) -> str:
    return reverse("postmortems:review", args=[postmortem.incident_id])


def _section_html(page: str, key: str) -> str:
    match = re.search(rf'<div class="review-section" id="section-{key}">(.*?)</aside>', page, re.S)
    assert match, f"no section {key} on the page"
    return match.group(1)


def test_a_comment_on_the_timeline_section_shows_beside_that_section(client, alice, postmortem):
    client.force_login(alice)
    response = client.post(
        reverse("postmortems:thread_create", args=[postmortem.incident_id]),
        {"section": "timeline", "body": "Who **paged** whom?"},
    )
    thread = CommentThread.objects.get()
    assert response.url.endswith(f"#thread-{thread.pk}")
    page = client.get(_review_url(postmortem)).content.decode()
    timeline = _section_html(page, "timeline")
    assert "Paged the on-call" in timeline  # the document's own text
    assert "Who <strong>paged</strong> whom?" in timeline
    assert "Who <strong>paged</strong>" not in _section_html(page, "root-cause")
    record = ChangeRecord.objects.get(event="comment.created")
    assert record.values["section"] == "timeline" and record.actor == alice


def test_a_thread_on_a_timeline_entry_names_the_entry(client, alice, postmortem):
    event = postmortem.incident.timeline_events.get()
    client.force_login(alice)
    client.post(
        reverse("postmortems:thread_create", args=[postmortem.incident_id]),
        {"section": "timeline", "about": f"event-{event.pk}", "body": "Too late?"},
    )
    assert CommentThread.objects.get().timeline_event == event
    page = client.get(_review_url(postmortem)).content.decode()
    assert "On the timeline entry: Paged the on-call" in _section_html(page, "timeline")


def test_an_empty_comment_is_refused_and_an_unknown_section_keeps_the_text(
    client, alice, postmortem
):
    client.force_login(alice)
    url = reverse("postmortems:thread_create", args=[postmortem.incident_id])
    empty = client.post(url, {"section": "timeline", "body": "   "})
    assert empty.status_code == 400
    assert "Write something before sending the comment." in empty.content.decode()
    gone = client.post(url, {"section": "no-such-section", "body": "My careful words"})
    assert gone.status_code == 400
    page = gone.content.decode()
    assert "That section is not in this document any more." in page
    assert "My careful words" in page
    assert not CommentThread.objects.exists()


def test_reply_edit_and_delete_ones_own_comment(client, alice, bob, postmortem):
    first = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="First"
    )
    thread = first.thread
    client.force_login(bob)
    client.post(
        reverse("postmortems:thread_reply", args=[postmortem.incident_id, thread.pk]),
        {"body": "A reply"},
    )
    reply = thread.comments.get(author=bob)
    response = client.post(
        reverse("postmortems:comment_edit", args=[postmortem.incident_id, reply.pk]),
        {"body": "A better reply"},
    )
    assert response.url.endswith(f"#comment-{reply.pk}")
    reply.refresh_from_db()
    assert reply.body == "A better reply" and reply.edited_at
    client.post(reverse("postmortems:comment_delete", args=[postmortem.incident_id, reply.pk]))
    assert list(thread.comments.values_list("body", flat=True)) == ["First"]
    events = set(ChangeRecord.objects.values_list("event", flat=True))
    assert {"comment.created", "comment.updated", "comment.deleted"} <= events


def test_editing_or_deleting_someone_elses_comment_is_forbidden(client, alice, bob, postmortem):
    comment = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Mine"
    )
    client.force_login(bob)  # a reviewer, even: the words are Alice's
    for name, data in (("comment_edit", {"body": "Changed"}), ("comment_delete", {})):
        url = reverse(f"postmortems:{name}", args=[postmortem.incident_id, comment.pk])
        assert client.post(url, data).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_resolve_and_reopen_a_thread(client, alice, bob, postmortem):
    thread = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Fix this"
    ).thread
    url = reverse("postmortems:thread_resolve", args=[postmortem.incident_id, thread.pk])
    client.force_login(bob)
    client.post(url)
    thread.refresh_from_db()
    assert thread.resolved_by == bob
    page = client.get(_review_url(postmortem)).content.decode()
    assert "1 resolved thread" in _section_html(page, "timeline")
    client.post(url, {"reopen": "1"})
    thread.refresh_from_db()
    assert not thread.is_resolved
    assert ChangeRecord.objects.filter(event="comment_thread.reopened").exists()


def test_someone_uninvolved_may_not_resolve_a_thread(client, alice, postmortem):
    thread = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Fix this"
    ).thread
    client.force_login(UserFactory())
    url = reverse("postmortems:thread_resolve", args=[postmortem.incident_id, thread.pk])
    assert client.post(url).status_code == 403


def test_comment_markdown_is_sanitized(client, alice, postmortem):
    comments.thread_start(
        postmortem=postmortem,
        actor=alice,
        section="timeline",
        body='<script>alert(1)</script><img src=x onerror="alert(1)"> [x](javascript:alert(1))',
    )
    client.force_login(alice)
    page = client.get(_review_url(postmortem)).content.decode()
    body = re.search(r'<div class="comment-body">(.*?)</div>', page, re.S).group(1)
    assert "<script" not in body and '<img src="x">' in body
    assert "javascript:" not in body and "onerror=" not in body


def test_an_outsider_finds_nothing_of_a_private_incidents_threads(client, alice):
    incident = IncidentFactory(is_private=True, allowed_users=[alice])
    postmortem = PostmortemFactory(incident=incident, authors=[alice])
    comment = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Secret"
    )
    client.force_login(UserFactory())
    pk = incident.pk
    for url, data in (
        (reverse("postmortems:thread_create", args=[pk]), {"section": "timeline", "body": "x"}),
        (reverse("postmortems:thread_reply", args=[pk, comment.thread_id]), {"body": "x"}),
        (reverse("postmortems:thread_resolve", args=[pk, comment.thread_id]), {}),
        (reverse("postmortems:comment_edit", args=[pk, comment.pk]), {"body": "x"}),
        (reverse("postmortems:comment_delete", args=[pk, comment.pk]), {}),
    ):
        assert client.post(url, data).status_code == 404
    assert client.get(reverse("postmortems:mention_people", args=[pk])).status_code == 404
    assert Comment.objects.get().body == "Secret"


def test_a_team_requiring_resolved_threads_refuses_submitting_with_one_open(
    client,
    alice,
    bob,
    api_client_for,  # noqa: F811
):
    team = TeamFactory(require_resolved_threads=True)
    postmortem = PostmortemFactory(incident__team=team, authors=[alice], reviewers=[bob])
    thread = comments.thread_start(
        postmortem=postmortem, actor=bob, section="timeline", body="Unclear"
    ).thread
    client.force_login(alice)
    response = client.post(
        reverse("postmortems:submit", args=[postmortem.incident_id]), follow=True
    )
    assert f"1 comment thread is still open: {team.name} requires" in response.content.decode()
    api = api_client_for(alice).post(
        f"/api/v1/postmortems/{postmortem.pk}/submit/", {}, format="json"
    )
    assert api.status_code == 400 and "still open" in api.content.decode()

    comments.thread_resolve(thread=thread, actor=bob)
    client.post(reverse("postmortems:submit", args=[postmortem.incident_id]))
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW


def test_the_review_page_queries_do_not_grow_with_comments(
    client, alice, bob, postmortem, django_assert_max_num_queries
):
    client.force_login(bob)
    comments.thread_start(postmortem=postmortem, actor=alice, section="timeline", body="one")
    url = _review_url(postmortem)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for n in range(6):
        thread = comments.thread_start(
            postmortem=postmortem, actor=alice, section="root-cause", body=f"thread {n}"
        ).thread
        comments.comment_reply(thread=thread, actor=UserFactory(), body="a reply")
        if n % 2:
            comments.thread_resolve(thread=thread, actor=bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="comment"') == 13
