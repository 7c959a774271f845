"""Who may do what with a postmortem. Views call these and answer 403 when they say no."""

from incidents.models import User
from incidents.permissions import can_edit_incident, is_manager
from postmortems.models import Postmortem


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
