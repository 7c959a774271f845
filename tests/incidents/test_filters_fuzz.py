"""Random query strings on the board, dashboard and incident list: a page or a 4xx, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PARAMS = [
    "q", "status", "owner", "mine", "team", "service", "severity", "kind", "priority",
    "due_after", "due_before", "overdue", "due_within", "incident_from", "incident_to", "sort",
    "page", "start", "end",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["open", "done", "SEV1", "2026-02-30", "9999-99-99", "-due", "on", ""]),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
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
