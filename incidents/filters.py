"""django-filter filter sets: the incident list (authoring) and the action items board."""

import django_filters  # noqa: F401

# --- Incident list filters (authoring) ---
# --- end authoring ---


# --- Action items board filters (tracking) ---
# --- end tracking ---
