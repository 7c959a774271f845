"""Free-text matching for the incident list and the action items board.

The domain matches with `icontains`. An app with a better index (the search app) replaces
these matchers from its ready(), so the filters use its index without importing it.
"""

from collections.abc import Callable

from django.db.models import Q

# Given the text typed and the path from the queried model to the incident ("" for
# incidents, "incident__" for their rows), return the condition of a match.
IncidentMatcher = Callable[[str, str], Q]
# Given the text typed, return the condition of an action item that matches it.
ActionItemMatcher = Callable[[str], Q]


def _incident_title(text: str, incident: str) -> Q:
    return Q(**{f"{incident}title__icontains": text})


def _item_or_incident_title(text: str) -> Q:
    return Q(title__icontains=text) | Q(incident__title__icontains=text)


_matchers: dict[str, Callable] = {
    "incident": _incident_title,
    "action_item": _item_or_incident_title,
}


def register(
    *, incident: IncidentMatcher | None = None, action_item: ActionItemMatcher | None = None
) -> None:
    """Match free text with these functions from now on (call it from an app's ready())."""
    if incident is not None:
        _matchers["incident"] = incident
    if action_item is not None:
        _matchers["action_item"] = action_item


def incident_matches(text: str, *, incident: str = "") -> Q:
    """Return the condition of an incident (at path `incident`) that matches the text."""
    return _matchers["incident"](text.strip(), incident)


def action_item_matches(text: str) -> Q:
    """Return the condition of an action item whose text or incident matches the text."""
    return _matchers["action_item"](text.strip())
