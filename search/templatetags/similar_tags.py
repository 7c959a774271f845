"""`{% similar_incidents incident as similar %}`: the similar incidents and "same root
cause" links of an incident, for the panel its page and review page load after themselves
(templates/search/similar_panel.html, search.views.similar_panel).
"""

from typing import Any

from django import template

from incidents.permissions import can_edit_incident
from search import similar

register = template.Library()


@register.simple_tag(takes_context=True)
def similar_incidents(context: template.Context, incident) -> dict[str, Any]:
    """Return the similar incidents, the links, and whether the viewer may mark or remove."""
    user = context["request"].user
    links = similar.links_of(incident, user)
    found = similar.similar_incidents(incident, user, links=links)
    shown = {entry.incident.pk for entry in found}
    return {
        "found": found,
        # Links to incidents not among the similar ones (newer, or no longer alike).
        "links": [
            (link, link.other(incident)) for link in links if link.other(incident).pk not in shown
        ],
        "can_link": can_edit_incident(user, incident),
    }
