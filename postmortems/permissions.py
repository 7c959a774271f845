"""Who may do what with a postmortem. Views call these and answer 403 when they say no."""

from incidents.models import User
from incidents.permissions import can_edit_incident, is_manager
from postmortems.models import Postmortem, PostmortemTemplate


def can_edit_postmortem(user: User, postmortem: Postmortem) -> bool:
    """Return True for authors, the commander and managers while it is not published."""
    return not postmortem.is_published and can_edit_incident(user, postmortem.incident)


def is_reviewer(user: User, postmortem: Postmortem) -> bool:
    return any(reviewer.pk == user.pk for reviewer in postmortem.reviewers.all())


def can_review(user: User, postmortem: Postmortem) -> bool:
    """Return True for the named reviewers and managers."""
    return is_manager(user) or is_reviewer(user, postmortem)


def can_change_status(user: User, postmortem: Postmortem) -> bool:
    """Return True for anyone who may edit the incident (submit, reopen)."""
    return can_edit_incident(user, postmortem.incident)


def can_change_comment(user: User, comment) -> bool:
    """Return True for the comment's author only: nobody edits another's words."""
    return comment.author_id is not None and comment.author_id == user.pk


def can_resolve_thread(user: User, thread) -> bool:
    """Return True for those who may edit or review the postmortem, and the thread's people."""
    postmortem = thread.postmortem
    if can_edit_incident(user, postmortem.incident) or can_review(user, postmortem):
        return True
    return any(comment.author_id == user.pk for comment in thread.comments.all())


def managed_team_ids(user: User) -> set[int] | None:
    """Return the ids of the teams the user manages; None for a superuser (every team)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    # Asked once per template on the template list: remembered for the request's user.
    cached = getattr(user, "_managed_team_ids", None)
    if cached is None:
        cached = set(user.managed_teams.values_list("pk", flat=True))
        user._managed_team_ids = cached
    return set(cached)


def template_team_ids(template: PostmortemTemplate) -> set[int]:
    """Return the teams that use the template: the team it is for, and those whose default it is."""
    ids = {default.team_id for default in template.team_defaults.all()}
    if template.team_id:
        ids.add(template.team_id)
    return ids


def can_edit_template(user: User, template: PostmortemTemplate) -> bool:
    """Return True for superusers and the managers of the teams that use the template.

    "Use" means the template is made for the team (its team) or is the team's default. A
    template no team uses (for every team, nobody's default) may be changed by the manager
    who made it, so a new one is not orphaned the moment it is saved. Built-in templates
    are read-only for everyone (layouts.services).
    """
    if not is_manager(user):
        return False
    managed = managed_team_ids(user)
    if managed is None:
        return True
    users = template_team_ids(template)
    if users:
        return bool(users & managed)
    return template.created_by_id == user.pk
