"""Who may configure a team's alert sources: the team's manager, and superusers."""

from django.db import models

from incidents.models import Team, User
from incidents.permissions import is_manager


def manageable_teams(user: User) -> models.QuerySet:
    """Return the teams whose alert sources the user may see and change."""
    if not is_manager(user):
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(manager=user)


def can_manage_alerts(user: User, team: Team) -> bool:
    """Return True when the user manages this team (or is a superuser)."""
    return is_manager(user) and (user.is_superuser or team.manager_id == user.pk)
