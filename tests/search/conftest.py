import os

import pytest
from django.db import connection

from search import index


@pytest.fixture
def full_text():
    """Skip on SQLite, whose search is the plain fallback; CI runs on PostgreSQL and fails."""
    if connection.vendor != "postgresql":
        message = "full-text search (stemming, phrases, ranking) is PostgreSQL's"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI must run these tests on it")
        pytest.skip(f"{message}; SQLite uses the icontains fallback (test_search_page.py)")


@pytest.fixture
def index_all():
    """Return a function that indexes every incident (nothing to do on SQLite)."""
    return index.rebuild_documents
