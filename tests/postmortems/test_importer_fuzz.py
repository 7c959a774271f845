"""Random text, times and unicode thrown at the importer: it parses or says why, nothing else."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importing.errors import PostmortemImportError
from importing.parse import parse_postmortem
from tests.hypothesis_profiles import examples

LINES = st.one_of(
    st.text(max_size=80),
    st.builds(
        "{}:{:02d}{} {} - {}".format,
        st.integers(0, 30),
        st.integers(0, 75),
        st.sampled_from(["", " AM", " PM", " am"]),
        st.sampled_from(["", "UTC", "GMT+2", "PST", "XYZ", "UTC-11"]),
        st.text(max_size=30),
    ),
    st.sampled_from(
        [
            "# Title",
            "## Timeline",
            "## Action Items",
            "<h2>Root Cause:</h2>",
            "| Time | Event |",
            "|---|---|",
            "- [x] done thing (owner: @a, due: 2026-02-30)",
            "**Duration:** 4 hours",
            "- [ ] thing due 2026-01-01",
            "Time zone: Mars/Base",
            "<h3> 9:00 AM: </h3> <p>x</p>",
        ]
    ),
)


@settings(max_examples=examples(300))
@given(st.lists(LINES, max_size=40), st.sampled_from([None, "UTC", "Asia/Kolkata"]))
def test_any_document_parses_or_fails_with_a_reason(lines, zone):
    text = "\n".join(lines)
    try:
        parsed = parse_postmortem(text, default_date=date(2026, 1, 1), time_zone=zone)
    except PostmortemImportError as error:
        assert str(error)
        return
    assert parsed.title
    assert parsed.started_at is not None
    assert all(event.occurred_at.tzinfo is not None for event in parsed.events)
    parsed.as_json()


@pytest.mark.django_db
@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=300))
def test_the_import_page_never_fails_on_random_text(client, django_user_model, text):
    user, _ = django_user_model.objects.get_or_create(username="fuzzer")
    client.force_login(user)
    response = client.post(
        "/postmortems/import/",
        {
            "document": "# Fuzz\n- 09:00 start\n" + text,
            "incident_date": "2026-01-01",
            "action": "save",
        },
    )
    assert response.status_code in (200, 302)
