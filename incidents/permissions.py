"""Who may do what. Views call these and answer 403 when they say no."""

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


def _postmortem_author_ids(incident: Incident) -> set[int]:
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None:
        return set()
    return {author.pk for author in postmortem.authors.all()}


def can_edit_incident(user: User, incident: Incident) -> bool:
    """Return True for the incident's commander, its postmortem's authors and managers."""
    if is_manager(user):
        return True
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
