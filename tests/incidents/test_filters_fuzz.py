"""Random query strings on the board, dashboard and incident list: a page or a 4xx, never a 500."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hypothesis_profiles import examples

PARAMS = [
    "q", "status", "owner", "mine", "team", "service", "severity", "kind", "priority",
    "due_after", "due_before", "overdue", "due_within", "incident_from", "incident_to", "sort",
    "page", "start", "end", "started_after", "started_before",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["open", "done", "SEV1", "2026-02-30", "9999-99-99", "-due", "on", ""]),
    st.sampled_from(["0001-01-01", "9999-12-31", "1970-01-01"]),  # the ends of the calendar
)


@pytest.mark.django_db
@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=6))
def test_random_filters_never_cause_a_server_error(client, django_user_model, params):
    user, _ = django_user_model.objects.get_or_create(username="fuzzer")
    client.force_login(user)
    for url in ("/incidents/action-items/", "/incidents/action-items/export.csv",
                "/incidents/dashboard/", "/incidents/"):  # fmt: skip
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "Pacific/Honolulu"])
@pytest.mark.parametrize(
    ("url", "shows"),
    [
        ("/incidents/?started_after=0001-01-01&started_before=9999-12-31", b"Edge outage"),
        (
            "/incidents/action-items/?incident_from=0001-01-01&incident_to=9999-12-31",
            b"Still here",
        ),
        (
            "/incidents/action-items/?due_after=0001-01-01&due_before=9999-12-31&due_within=3650",
            b"Still here",
        ),
        ("/incidents/action-items/export.csv?incident_to=9999-12-31", b"Still here"),
        ("/incidents/dashboard/?start=0001-01-01&end=9999-12-31", b"Still here"),
    ],
)
def test_the_ends_of_the_calendar_filter_nothing_out(client, django_user_model, zone, url, shows):
    # 0001-01-01 in Tokyo is still year 0 in UTC, and 9999-12-31 has no day after it.
    from tests.factories import ActionItemFactory, IncidentFactory

    incident = IncidentFactory(title="Edge outage")
    ActionItemFactory(incident=incident, title="Still here", due_date=date(2026, 3, 1))
    client.force_login(django_user_model.objects.create(username="edge", time_zone=zone))
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert shows in body
