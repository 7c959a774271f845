"""Production settings plus one trivial view, the ceiling the app's pages are compared to."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
