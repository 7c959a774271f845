import pytest
from rest_framework.test import APIClient

from api.models import ApiToken


@pytest.fixture
def api_client_for():
    """Return a function that gives an API client using a fresh token of the user."""

    def make(user, scope: str = ApiToken.Scope.READ_WRITE) -> APIClient:
        client = APIClient()
        if user is not None:
            _, raw = ApiToken.issue(user=user, name="tests", scope=scope)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
