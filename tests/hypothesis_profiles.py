"""Hypothesis profiles: a quick one while developing, the full one in CI.

tests/conftest.py loads "ci" when CI=true and "dev" otherwise; HYPOTHESIS_PROFILE=ci runs
the full profile locally (for instance after changing a parser or the sanitizer).
"""

import os

from hypothesis import HealthCheck, settings

PROFILES = {
    # Hypothesis' own default number of examples for tests that name none.
    "ci": settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
    "dev": settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
}
_loaded = {"name": "dev"}


def load() -> str:
    """Register the profiles and load the one asked for; return its name."""
    for name, profile in PROFILES.items():
        settings.register_profile(name, profile)
    ci = os.environ.get("CI", "").lower() == "true"
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci" if ci else "dev")
    settings.load_profile(name)
    _loaded["name"] = name
    return name


def examples(full: int) -> int:
    """Return `full` under the CI profile, a tenth of it (at least 10) under the quick one."""
    return full if _loaded["name"] == "ci" else max(full // 10, 10)
