"""Who may do what. Views call these and answer 403 when they say no.

Seeing a private incident is the exception: to anyone who may not see it, it does not
exist, so its URLs answer 404. Views load incidents through `visible_to(user)` querysets
(the rule, in `incidents.models.visibility_condition`); `can_view_incident` asks the same
rule about one incident.
"""

from core.visibility import private_incidents_seen
from incidents.models import ActionItem, Incident, User


def is_manager(user: User) -> bool:
    """Return True for superusers and anyone who manages a team; managers may do all."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_manager", None)
    if cached is None:
        cached = user.managed_teams.exists()
        user._is_manager = cached
    return cached


def can_view_incident(user: User, incident: Incident) -> bool:
    """Return True when the user may see the incident: always, unless it is private."""
    if not incident.is_private:
        return True
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.pk in (incident.commander_id, incident.created_by_id):
        return True
    private = private_incidents_seen(user)
    if private is not None:
        return incident.pk in private
    return Incident.objects.filter(pk=incident.pk).visible_to(user).exists()


def can_view_action_item(user: User, item: ActionItem) -> bool:
    """Return True when the user may see the item's incident."""
    return can_view_incident(user, item.incident)


def _postmortem_author_ids(incident: Incident) -> set[int]:
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None:
        return set()
    return {author.pk for author in postmortem.authors.all()}


def can_edit_incident(user: User, incident: Incident) -> bool:
    """Return True for the incident's commander, its postmortem's authors and managers.

    A manager may edit only the private incidents they may see.
    """
    if is_manager(user):
        return incident.pk is None or can_view_incident(user, incident)
    if incident.pk is None:
        return user.is_authenticated
    if user.pk is not None and incident.commander_id == user.pk:
        return True
    if incident.created_by_id is not None and incident.created_by_id == user.pk:
        return True
    return user.pk in _postmortem_author_ids(incident)


def can_edit_action_item(user: User, item: ActionItem) -> bool:
    """Return True for whoever may edit the incident, and for the item's owner."""
    if item.owner_id is not None and item.owner_id == user.pk:
        return True
    return can_edit_incident(user, item.incident)
