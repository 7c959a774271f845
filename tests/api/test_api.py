"""The REST API as a script or a chat bot uses it."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.models import ApiToken, hash_token
from core.models import ChangeRecord
from incidents.models import ActionItem, Incident
from postmortems.models import Postmortem
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


def test_a_script_creates_an_incident_and_adds_a_timeline_entry(alice, api_client_for):
    client = api_client_for(alice)

    created = client.post(
        "/api/v1/incidents/",
        {
            "title": "Checkout errors",
            "severity": "SEV2",
            "started_at": "2026-03-18T09:00:00+02:00",
            "time_zone": "Europe/Berlin",
        },
        format="json",
    )
    incident_id = created.json()["id"]
    entry = client.post(
        "/api/v1/timeline-events/",
        {
            "incident": incident_id,
            "occurred_at": "2026-03-18T09:12:00+02:00",
            "kind": "detection",
            "description": "Error rate alert fired",
        },
        format="json",
    )

    assert created.status_code == 201 and entry.status_code == 201
    assert created.json()["reference"] == f"INC-{incident_id}"
    assert created.json()["started_at"] == "2026-03-18T07:00:00Z"
    incident = Incident.objects.get(pk=incident_id)
    assert incident.postmortem.authors.get() == alice  # as from the browser
    assert incident.timeline_events.get().description == "Error rate alert fired"
    assert list(incident.changes.values_list("event", flat=True)) == [
        "timeline_event.created",
        "incident.created",
    ]


def test_incidents_carry_their_derived_durations():
    started = timezone.now() - timedelta(hours=5)
    IncidentFactory(
        started_at=started,
        detected_at=started + timedelta(minutes=10),
        resolved_at=started + timedelta(hours=4),
        status="resolved",
    )
    client = api_client()

    body = client.get("/api/v1/incidents/").json()["results"][0]

    assert body["duration_seconds"] == 4 * 3600
    assert body["time_to_detect_seconds"] == 600


def api_client(user=None):
    from rest_framework.test import APIClient

    user = user or UserFactory()
    _, raw = ApiToken.issue(user=user, name="t", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_stale_if_match_is_refused_with_the_current_representation(alice, api_client_for):
    incident = IncidentFactory(commander=alice, title="Old title")
    client = api_client_for(alice)
    first = client.get(f"/api/v1/incidents/{incident.pk}/")
    client.patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"title": "Someone else's title"},
        format="json",
        headers={"If-Match": first["ETag"]},
    )

    stale = client.patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"title": "My title"},
        format="json",
        headers={"If-Match": first["ETag"]},
    )

    assert first["ETag"] == '"1"'
    assert stale.status_code == 412
    assert stale.json()["current"]["title"] == "Someone else's title"
    assert stale["ETag"] == '"2"'
    assert Incident.objects.get(pk=incident.pk).title == "Someone else's title"


def test_an_action_item_write_with_a_stale_if_match_changes_nothing(alice, api_client_for):
    item = ActionItemFactory(owner=alice, title="Alert on lag")
    client = api_client_for(alice)

    response = client.patch(
        f"/api/v1/action-items/{item.pk}/",
        {"status": "done"},
        format="json",
        headers={"If-Match": '"7"'},
    )

    assert response.status_code == 412
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_times_without_an_offset_are_refused_with_the_field_named(alice, api_client_for):
    response = api_client_for(alice).post(
        "/api/v1/incidents/",
        {"title": "x", "started_at": "2026-03-18T09:00:00"},
        format="json",
    )

    assert response.status_code == 400
    assert "UTC offset" in response.json()["started_at"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "started_at": "2026-03-18T09:00:00Z", "time_zone": "Mars/Olympus"},
        {"title": "x", "started_at": "2026-03-18T09:00:00Z", "severity": "SEV9"},
        {"title": "x", "started_at": "not a time"},
        {"title": "", "started_at": "2026-03-18T09:00:00Z"},
        {
            "title": "x",
            "started_at": "2026-03-18T09:00:00Z",
            "detected_at": "2026-03-18T08:00:00Z",
        },
        ["not", "an", "object"],
    ],
)
def test_bad_input_gets_a_400_saying_what_is_wrong(alice, api_client_for, body):
    response = api_client_for(alice).post("/api/v1/incidents/", body, format="json")

    assert response.status_code == 400
    assert response.json()  # which field, and why
    assert not Incident.objects.exists()


def test_a_published_postmortems_timeline_is_read_only_through_the_api_too(alice, api_client_for):
    incident = IncidentFactory(commander=alice)
    PostmortemFactory(incident=incident, status=Postmortem.Status.PUBLISHED)
    event = TimelineEventFactory(incident=incident, description="As published")

    response = api_client_for(alice).patch(
        f"/api/v1/timeline-events/{event.pk}/", {"description": "Rewritten"}, format="json"
    )

    assert response.status_code == 400
    assert "read-only" in str(response.json())
    event.refresh_from_db()
    assert event.description == "As published"


def test_a_read_only_token_reads_but_may_not_write(alice, api_client_for):
    incident = IncidentFactory(commander=alice)
    client = api_client_for(alice, scope=ApiToken.Scope.READ)

    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    refused = client.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]


def test_tokens_are_stored_hashed_and_refused_once_revoked_or_expired(alice):
    from rest_framework.test import APIClient

    token, raw = ApiToken.issue(user=alice, name="deploy bot", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert raw not in str(ApiToken.objects.values().get())
    assert token.key_hash == hash_token(raw)
    assert client.get("/api/v1/incidents/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get("/api/v1/incidents/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_lists_take_the_boards_and_the_incident_lists_filters(alice, api_client_for):
    overdue = ActionItemFactory(title="Overdue", due_date=date.today() - timedelta(days=3))
    ActionItemFactory(title="Later", due_date=date.today() + timedelta(days=30))
    IncidentFactory(title="Critical", severity="SEV1")
    IncidentFactory(title="Minor", severity="SEV4")
    client = api_client_for(alice)

    items = client.get("/api/v1/action-items/", {"overdue": "true"}).json()["results"]
    incidents = client.get("/api/v1/incidents/", {"severity": "SEV1"}).json()["results"]

    assert [item["id"] for item in items] == [overdue.pk]
    assert [incident["title"] for incident in incidents] == ["Critical"]


def test_lists_page_with_a_cursor(alice, api_client_for):
    IncidentFactory.create_batch(5)
    client = api_client_for(alice)

    first = client.get("/api/v1/incidents/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert {i["id"] for i in first["results"]}.isdisjoint(i["id"] for i in second["results"])


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/api/v1/incidents/", lambda n: IncidentFactory.create_batch(n)),
        ("/api/v1/action-items/", lambda n: ActionItemFactory.create_batch(n)),
        ("/api/v1/timeline-events/", lambda n: TimelineEventFactory.create_batch(n)),
        ("/api/v1/postmortems/", lambda n: PostmortemFactory.create_batch(n)),
    ],
)
def test_a_list_of_100_takes_the_queries_of_a_list_of_1(
    path, make, alice, api_client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(alice)
    make(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(path, {"page_size": 100}).status_code == 200
    make(99)
    with django_assert_max_num_queries(len(one)):
        response = client.get(path, {"page_size": 100})
    assert len(response.json()["results"]) == 100


def test_too_many_requests_get_a_429_with_retry_after(alice, api_client_for, settings):
    from api.throttling import PerTokenThrottle

    cache.clear()
    rates = {"token": "3/minute"}
    original = PerTokenThrottle.THROTTLE_RATES
    PerTokenThrottle.THROTTLE_RATES = rates
    try:
        client = api_client_for(alice)
        codes = [client.get("/api/v1/tags/").status_code for _ in range(4)]
        limited = client.get("/api/v1/tags/")
        other = api_client_for(UserFactory()).get("/api/v1/tags/")
    finally:
        PerTokenThrottle.THROTTLE_RATES = original
        cache.clear()

    assert codes == [200, 200, 200, 429]
    assert int(limited["Retry-After"]) > 0
    assert other.status_code == 200  # the budget is per token


def test_the_schema_and_its_docs_need_a_login(client, alice):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    client.force_login(alice)
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert docs.status_code == 200
    assert b"<script>" not in docs.content  # no inline script under our CSP


def test_a_review_decision_through_the_api_is_recorded_like_one_from_the_browser(
    api_client_for,
):
    reviewer = UserFactory()
    postmortem = PostmortemFactory(status="in_review", reviewers=[reviewer])

    response = api_client_for(reviewer).post(
        f"/api/v1/postmortems/{postmortem.pk}/approve/", {"body": "Clear"}, format="json"
    )

    assert response.status_code == 200
    record = ChangeRecord.objects.filter(incident=postmortem.incident).first()
    assert record.event == "review.created" and record.actor == reviewer


def test_an_action_item_says_which_causes_it_addresses(alice, api_client_for):
    from tests.factories import CauseFactory

    cause = CauseFactory(description="Replica fell behind")
    cause.incident.commander = alice
    cause.incident.save()
    elsewhere = CauseFactory()
    client = api_client_for(alice)

    made = client.post(
        "/api/v1/action-items/",
        {"incident": cause.incident.pk, "title": "Alert on lag", "causes": [cause.pk]},
        format="json",
    )
    refused = client.patch(
        f"/api/v1/action-items/{made.json()['id']}/", {"causes": [elsewhere.pk]}, format="json"
    )

    assert made.status_code == 201 and made.json()["causes"] == [cause.pk]
    assert refused.status_code == 400
    assert "its own incident" in str(refused.json())


def test_submitting_with_an_unaddressed_root_cause_needs_a_reason(alice, api_client_for):
    from tests.factories import CauseFactory

    postmortem = PostmortemFactory(reviewers=[UserFactory()], authors=[alice])
    CauseFactory(incident=postmortem.incident, role="root")
    client = api_client_for(alice)
    url = f"/api/v1/postmortems/{postmortem.pk}/submit/"

    refused = client.post(url, {}, format="json")
    accepted = client.post(url, {"reason": "The fix is the vendor's"}, format="json")

    assert refused.status_code == 400
    assert "give a reason" in str(refused.json())
    assert accepted.status_code == 200 and accepted.json()["status"] == "in_review"
