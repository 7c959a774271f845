"""Who may connect a team's chat (its manager, and superusers), and who may import."""

from django.db import models

from incidents.models import Incident, Team, User
from incidents.permissions import can_edit_incident, is_manager


def manageable_teams(user: User) -> models.QuerySet:
    """Return the teams whose chat connections the user may see and change."""
    if not is_manager(user):
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(manager=user)


def can_manage_chat(user: User, team: Team) -> bool:
    """Return True when the user manages this team (or is a superuser)."""
    return is_manager(user) and (user.is_superuser or team.manager_id == user.pk)


def can_import_chat(user: User, incident: Incident) -> bool:
    """Return True for whoever may edit the incident: importing writes its timeline."""
    return can_edit_incident(user, incident)


__all__ = ["can_edit_incident", "can_import_chat", "can_manage_chat", "manageable_teams"]
