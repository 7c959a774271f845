"""DRF permissions that ask the same functions as the browser's views.

incidents.permissions and postmortems.permissions decide; these classes only translate a
request into their questions, so the API can never allow what a page refuses.
"""

from rest_framework import permissions

from api.models import ApiToken
from incidents.models import ActionItem, Incident
from incidents.permissions import can_edit_action_item, can_edit_incident, is_manager


def _incident_of(obj) -> Incident | None:
    if isinstance(obj, Incident):
        return obj
    return getattr(obj, "incident", None)


class TokenScope(permissions.BasePermission):
    """A read-only token may only read."""

    message = "This token is read-only; make a read-write token in Settings to change data."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write


class CanEditIncidentData(permissions.BasePermission):
    """Everyone signed in reads; writes follow the browser's rules for the incident."""

    message = "Only the incident's authors, commander or a manager may change this."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(obj, ActionItem):
            return can_edit_action_item(request.user, obj)
        incident = _incident_of(obj)
        return incident is not None and can_edit_incident(request.user, incident)


class IsManagerOrReadOnly(permissions.BasePermission):
    message = "Only managers may change this."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_manager(request.user)
