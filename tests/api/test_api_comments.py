"""Comment threads through the API, under the review page's rules."""

import pytest

from api.models import ApiToken
from core.models import ChangeRecord
from postmortems.collaboration import comments
from postmortems.models import Comment, CommentThread
from tests.factories import IncidentFactory, PostmortemFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


@pytest.fixture
def postmortem(alice, bob):
    postmortem = PostmortemFactory(authors=[alice], reviewers=[bob])
    TimelineEventFactory(incident=postmortem.incident, description="Paged the on-call")
    return postmortem


def test_a_thread_started_through_the_api_is_the_pages_thread(alice, postmortem, api_client_for):
    event = postmortem.incident.timeline_events.get()

    response = api_client_for(alice).post(
        "/api/v1/comment-threads/",
        {
            "postmortem": postmortem.pk,
            "section": "timeline",
            "timeline_event": event.pk,
            "body": "Who paged whom?",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    thread = CommentThread.objects.get()
    assert response.json()["id"] == thread.pk
    assert thread.section == "timeline" and thread.timeline_event == event
    assert [c["body"] for c in response.json()["comments"]] == ["Who paged whom?"]
    record = ChangeRecord.objects.get(event="comment.created")
    assert record.actor == alice and record.values["section"] == "timeline"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"section": "no-such-section", "body": "Words"}, "section", "has no section"),
        ({"section": "timeline", "body": "   "}, "body", "Write something"),
        ({"body": "Words"}, "section", "required"),
    ],
)
def test_a_thread_without_a_known_section_or_a_body_is_refused_by_name(
    alice, postmortem, api_client_for, body, field, message
):
    response = api_client_for(alice).post(
        "/api/v1/comment-threads/", {"postmortem": postmortem.pk, **body}, format="json"
    )

    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not CommentThread.objects.exists()


def test_a_postmortems_threads_list_with_their_comments_in_a_fixed_number_of_queries(
    alice, bob, postmortem, api_client_for, django_assert_max_num_queries
):
    for n in range(5):
        first = comments.thread_start(
            postmortem=postmortem, actor=alice, section="timeline", body=f"Question {n}"
        )
        comments.comment_reply(thread=first.thread, actor=bob, body=f"Answer {n}")
    other = comments.thread_start(
        postmortem=PostmortemFactory(), actor=alice, section="timeline", body="Elsewhere"
    )
    client = api_client_for(alice)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/comment-threads/", {"postmortem": postmortem.pk})

    threads = response.json()["results"]
    assert len(threads) == 5 and other.thread.pk not in {t["id"] for t in threads}
    assert {tuple(c["body"] for c in t["comments"]) for t in threads} == {
        (f"Question {n}", f"Answer {n}") for n in range(5)
    }


def test_a_reply_adds_a_comment_and_opens_a_resolved_thread(alice, bob, postmortem, api_client_for):
    thread = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Question"
    ).thread
    comments.thread_resolve(thread=thread, actor=alice)

    response = api_client_for(bob).post(
        f"/api/v1/comment-threads/{thread.pk}/reply/", {"body": "Not quite"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["is_resolved"] is False
    assert [c["body"] for c in response.json()["comments"]] == ["Question", "Not quite"]


def test_the_threads_people_resolve_and_reopen_it_and_others_are_refused(
    alice, postmortem, api_client_for
):
    thread = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Question"
    ).thread
    stranger = UserFactory(username="stranger")

    refused = api_client_for(stranger).post(f"/api/v1/comment-threads/{thread.pk}/resolve/")
    assert refused.status_code == 403
    assert "resolve" in refused.json()["detail"]
    thread.refresh_from_db()
    assert not thread.is_resolved

    client = api_client_for(alice)
    resolved = client.post(f"/api/v1/comment-threads/{thread.pk}/resolve/")
    assert resolved.status_code == 200 and resolved.json()["is_resolved"] is True
    reopened = client.post(f"/api/v1/comment-threads/{thread.pk}/reopen/")
    assert reopened.status_code == 200 and reopened.json()["is_resolved"] is False


def test_a_private_incidents_threads_do_not_exist_for_those_who_may_not_see_it(
    alice, api_client_for
):
    private = PostmortemFactory(incident=IncidentFactory(is_private=True, commander=alice))
    thread = comments.thread_start(
        postmortem=private, actor=alice, section="timeline", body="Secret"
    ).thread
    outsider = api_client_for(UserFactory(username="outsider"))

    assert outsider.get("/api/v1/comment-threads/").json()["results"] == []
    assert outsider.get(f"/api/v1/comment-threads/{thread.pk}/").status_code == 404
    reply = outsider.post(
        f"/api/v1/comment-threads/{thread.pk}/reply/", {"body": "Hi"}, format="json"
    )
    assert reply.status_code == 404
    assert outsider.post(f"/api/v1/comment-threads/{thread.pk}/resolve/").status_code == 404
    start = outsider.post(
        "/api/v1/comment-threads/",
        {"postmortem": private.pk, "section": "timeline", "body": "Hi"},
        format="json",
    )
    assert start.status_code == 400 and "does not exist" in str(start.json()["postmortem"])
    assert list(Comment.objects.values_list("body", flat=True)) == ["Secret"]


def test_a_read_only_token_reads_threads_but_may_not_write(alice, postmortem, api_client_for):
    thread = comments.thread_start(
        postmortem=postmortem, actor=alice, section="timeline", body="Question"
    ).thread
    client = api_client_for(alice, scope=ApiToken.Scope.READ)

    assert client.get(f"/api/v1/comment-threads/{thread.pk}/").status_code == 200
    writes = [
        client.post(
            "/api/v1/comment-threads/",
            {"postmortem": postmortem.pk, "section": "timeline", "body": "New"},
            format="json",
        ),
        client.post(f"/api/v1/comment-threads/{thread.pk}/reply/", {"body": "Re"}, format="json"),
        client.post(f"/api/v1/comment-threads/{thread.pk}/resolve/"),
    ]

    assert [w.status_code for w in writes] == [403, 403, 403]
    assert "read-only" in writes[0].json()["detail"]
    assert list(Comment.objects.values_list("body", flat=True)) == ["Question"]
    thread.refresh_from_db()
    assert not thread.is_resolved
