"""Writes to comment threads: start, reply, edit, delete, resolve and reopen, each recorded.

Every write records an event (`comment.created`, `comment.updated`, `comment.deleted`,
`comment_thread.resolved`, `comment_thread.reopened`) whose values carry the ids a consumer
needs (thread, section, the people the text mentions), so notifications are made from the
history, not from the views.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import ActionItem, TimelineEvent, User
from incidents.services import record_change
from postmortems.collaboration.mentions import mentioned_users
from postmortems.models import Comment, CommentThread, Postmortem


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before sending the comment."})
    return body


def _record(comment: Comment, actor: User, action: str, **values) -> None:
    thread = comment.thread
    mentions = mentioned_users(comment.body, incident=thread.postmortem.incident)
    record_change(
        incident=thread.postmortem.incident,
        actor=actor,
        action=action,
        target=comment,
        values={
            "thread": thread.pk,
            "section": thread.section,
            "mentions": [user.pk for user in mentions],
            **values,
        },
        note=comment.body[:300] if action != ChangeRecord.Action.DELETED else "",
    )


@transaction.atomic
def thread_start(
    *,
    postmortem: Postmortem,
    actor: User,
    section: str,
    body: str,
    timeline_event: TimelineEvent | None = None,
    action_item: ActionItem | None = None,
) -> Comment:
    """Open a thread on a section (or an entry or item in it) with its first comment."""
    incident = postmortem.incident
    for anchored in (timeline_event, action_item):
        if anchored is not None and anchored.incident_id != incident.pk:
            raise ValidationError("Comment on an entry or item of this incident.")
    thread = CommentThread(
        postmortem=postmortem,
        section=section,
        timeline_event=timeline_event,
        action_item=action_item,
        created_by=actor,
    )
    thread.full_clean(exclude=["postmortem", "created_by"])
    thread.save()
    comment = Comment(thread=thread, author=actor, body=_clean_body(body))
    comment.full_clean(exclude=["thread", "author"])
    comment.save()
    _record(comment, actor, ChangeRecord.Action.CREATED, reply=False)
    return comment


@transaction.atomic
def comment_reply(*, thread: CommentThread, actor: User, body: str) -> Comment:
    """Add a reply to a thread; replying to a resolved thread reopens it."""
    comment = Comment(thread=thread, author=actor, body=_clean_body(body))
    comment.full_clean(exclude=["thread", "author"])
    comment.save()
    earlier = list(
        thread.comments.exclude(pk=comment.pk)
        .exclude(author__isnull=True)
        .values_list("author_id", flat=True)
        .distinct()
    )
    _record(comment, actor, ChangeRecord.Action.CREATED, reply=True, participants=earlier)
    if thread.is_resolved:
        _set_resolved(thread, actor, resolved=False)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, actor: User, body: str) -> Comment:
    """Change one's own comment; people newly mentioned in it are told."""
    if comment.author_id != actor.pk:
        raise PermissionError("Only its author may edit a comment.")
    before = comment.body
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.full_clean(exclude=["thread", "author"])
    comment.save(update_fields=["body", "edited_at"])
    incident = comment.thread.postmortem.incident
    already = {user.pk for user in mentioned_users(before, incident=incident)}
    thread = comment.thread
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.UPDATED,
        target=comment,
        changes={"body": [before[:300], comment.body[:300]]},
        values={
            "thread": thread.pk,
            "section": thread.section,
            "mentions": [
                user.pk
                for user in mentioned_users(comment.body, incident=incident)
                if user.pk not in already
            ],
        },
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    """Delete one's own comment; a thread left empty goes with it."""
    if comment.author_id != actor.pk:
        raise PermissionError("Only its author may delete a comment.")
    thread = comment.thread
    _record(comment, actor, ChangeRecord.Action.DELETED)
    comment.delete()
    if not thread.comments.exists():
        thread.delete()


def _participants(thread: CommentThread) -> list[int]:
    """Return the ids of everyone who wrote in the thread: its author and repliers."""
    return sorted(
        set(thread.comments.exclude(author__isnull=True).values_list("author_id", flat=True))
    )


def _set_resolved(thread: CommentThread, actor: User, *, resolved: bool) -> None:
    # Conditional, so two clicks at once record one change.
    now = timezone.now()
    changed = CommentThread.objects.filter(pk=thread.pk, resolved_at__isnull=resolved).update(
        resolved_at=now if resolved else None, resolved_by=actor if resolved else None
    )
    if not changed:
        return
    thread.resolved_at, thread.resolved_by = (now, actor) if resolved else (None, None)
    record_change(
        incident=thread.postmortem.incident,
        actor=actor,
        action=ChangeRecord.Action.UPDATED,
        target=thread,
        changes={"status": ["open", "resolved"] if resolved else ["resolved", "open"]},
        values={
            "thread": thread.pk,
            "section": thread.section,
            # Who wrote in it (the notifications consumer tells them it was resolved).
            "participants": _participants(thread),
        },
        event="comment_thread.resolved" if resolved else "comment_thread.reopened",
    )


@transaction.atomic
def thread_resolve(*, thread: CommentThread, actor: User) -> CommentThread:
    """Mark a thread resolved; it folds away on the review page."""
    _set_resolved(thread, actor, resolved=True)
    return thread


@transaction.atomic
def thread_reopen(*, thread: CommentThread, actor: User) -> CommentThread:
    """Open a resolved thread again."""
    _set_resolved(thread, actor, resolved=False)
    return thread


def open_thread_count(postmortem: Postmortem) -> int:
    return postmortem.threads.filter(resolved_at__isnull=True).count()
