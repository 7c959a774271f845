"""Text sent through the API with CRLF line endings is stored with LF only."""

import pytest

from tests.factories import PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db

TYPED = "First line\r\n\r\n- one\r\n- two\rlast"
STORED = "First line\n\n- one\n- two\nlast"


def test_the_api_stores_text_with_lf(api_client_for):
    author = UserFactory()
    postmortem = PostmortemFactory(authors=[author])
    key = "trigger"
    response = api_client_for(author).patch(
        f"/api/v1/postmortems/{postmortem.pk}/",
        {"summary": TYPED, "sections": [{"key": key, "body": TYPED}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    postmortem.incident.refresh_from_db()
    assert postmortem.incident.summary == STORED
    assert postmortem.sections.get(key=key).body == STORED
