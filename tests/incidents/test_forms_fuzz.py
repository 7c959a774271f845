"""Random text, times and unicode in the authoring forms: saved or refused, never a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import IncidentFactory, UserFactory
from tests.hypothesis_profiles import examples

TEXT = st.text(max_size=120)
TIMES = st.one_of(
    st.text(max_size=20),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["2026-03-29T02:30", "2026-02-30T10:00", "0001-01-01T00:00", ""]),
)
ZONES = st.sampled_from(["UTC", "Etc/GMT-2", "Europe/Berlin", "Mars/Base", "", "../../etc"])
FUZZ = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.django_db
@FUZZ
@given(title=TEXT, zone=ZONES, started=TIMES, resolved=TIMES, severity=TEXT)
def test_incident_form_never_fails(client, title, zone, started, resolved, severity):
    user = UserFactory(username="form-fuzzer")
    client.force_login(user)
    response = client.post(
        reverse("incidents:create"),
        {
            "title": title,
            "severity": severity,
            "status": "resolved",
            "time_zone": zone,
            "started_at": started,
            "resolved_at": resolved,
            "commander": user.pk,
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert (
            title in response.content.decode()
            or not title.strip()
            or "&" in title
            or "<" in title
            or '"' in title
            or "'" in title
            or ">" in title
        )


@pytest.mark.django_db
@FUZZ
@given(description=TEXT, zone=ZONES, occurred=TIMES, kind=TEXT)
def test_timeline_form_never_fails(client, description, zone, occurred, kind):
    incident = IncidentFactory(commander=UserFactory(username="timeline-fuzzer"))
    client.force_login(incident.commander)
    response = client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": occurred,
            "event-entry_zone": zone,
            "event-kind": kind,
            "event-description": description,
        },
    )
    assert response.status_code in (200, 302)


# Every other form that takes a person's input: random values for its fields, in any mix.
ANY_VALUE = st.one_of(
    TEXT, TIMES, st.integers(min_value=-(2**63), max_value=2**63).map(str), st.just("")
)


def _fuzzed(fields: list[str]):
    return st.dictionaries(st.sampled_from(fields), ANY_VALUE, max_size=len(fields))


@pytest.mark.django_db
@FUZZ
@given(data=_fuzzed(["item-title", "item-kind", "item-priority", "item-owner",
                     "item-due_date", "item-status", "item-description"]))  # fmt: skip
def test_action_item_form_never_fails(client, data):
    incident = IncidentFactory(commander=UserFactory(username="item-fuzzer"))
    client.force_login(incident.commander)
    response = client.post(reverse("incidents:item_create", args=[incident.pk]), data)
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@FUZZ
@given(
    bulk=_fuzzed(["items", "action", "owner", "status", "due_date"]),
    quick=_fuzzed(["owner", "status", "next"]),
)
def test_board_changes_never_fail(client, bulk, quick):
    from tests.factories import ActionItemFactory, TeamFactory

    manager = UserFactory(username="board-fuzzer")
    TeamFactory(manager=manager)
    item = ActionItemFactory()
    client.force_login(manager)
    response = client.post(reverse("incidents:action_items_bulk"), bulk)
    assert response.status_code in (200, 302)
    response = client.post(reverse("incidents:action_item_quick_update", args=[item.pk]), quick)
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@FUZZ
@given(
    account=_fuzzed(["email", "time_zone", "reminder_frequency"]),
    review=_fuzzed(["decision", "body"]),
    editor=_fuzzed(["summary", "impact", "resolution", "version", "authors", "reviewers"]),
)
def test_settings_review_and_editor_forms_never_fail(client, account, review, editor):
    from tests.factories import PostmortemFactory

    author = UserFactory(username="prose-fuzzer")
    postmortem = PostmortemFactory(authors=[author])
    client.force_login(author)
    incident_id = postmortem.incident_id
    for url, data in (
        (reverse("incidents:settings"), account),
        (reverse("postmortems:review", args=[incident_id]), review),
        (reverse("postmortems:edit", args=[incident_id]), editor),
    ):
        assert client.post(url, data).status_code in (200, 302, 403), url
