"""Writes of an action item's tracker issue: asked for, linked, failed, kept in step.

The trackers app calls these; they hold no HTTP. A change the tracker made (the issue closed,
reopened or reassigned) is recorded in the item's history with no actor and a note naming
the tracker ("via GitHub: …"), so the history reads as made by the tracker, and consumers
(webhooks) see the item's status change like any other.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import ActionItem, TrackerIssue, User
from incidents.services import record_change, save_row

LINKED_EVENT = "action_item.tracker_linked"
SYNCED_EVENT = "action_item.tracker_synced"


def via(issue: TrackerIssue, what: str) -> str:
    """Return the history note of a change the tracker made: 'via GitHub: o/r#3 was closed'."""
    return f"via {issue.get_kind_display()}: {issue.key} {what}"


@transaction.atomic
def tracker_issue_request(*, item: ActionItem, kind: str) -> tuple[TrackerIssue, bool]:
    """Note that an issue is to be created for the item; return it and whether it is new.

    Asking again while one is being created, or once it exists, changes nothing; asking
    after a failure, or once the issue was deleted in the tracker, starts over.
    """
    issue, created = TrackerIssue.objects.select_for_update().get_or_create(
        action_item=item, defaults={"kind": kind, "state": TrackerIssue.State.CREATING}
    )
    if not created and issue.state in (TrackerIssue.State.FAILED, TrackerIssue.State.DELETED):
        issue.kind, issue.state, issue.last_error = kind, TrackerIssue.State.CREATING, ""
        issue.save(update_fields=["kind", "state", "last_error"])
        return issue, True
    return issue, created


def tracker_issue_failed(*, issue: TrackerIssue, error: str) -> None:
    """Show on the item why its issue could not be created; a retry starts over."""
    TrackerIssue.objects.filter(pk=issue.pk, state=TrackerIssue.State.CREATING).update(
        state=TrackerIssue.State.FAILED, last_error=error[:500]
    )


@transaction.atomic
def tracker_issue_gone(
    *, issue: TrackerIssue, moved_to_key: str = "", moved_to_url: str = ""
) -> bool:
    """Note that the issue was deleted (or moved to moved_to_key) in its tracker.

    The item keeps its status; it shows where the issue went and may be given another.
    Return False when the issue was no longer linked (already noted, or relinked since).
    """
    issue = TrackerIssue.objects.select_for_update().get(pk=issue.pk)
    if not issue.is_linked:
        return False
    item = ActionItem.objects.select_related("incident").get(pk=issue.action_item_id)
    old_key = issue.key
    if moved_to_key:
        what = f"was moved to {moved_to_key}"
        issue.state, issue.key = TrackerIssue.State.MOVED, moved_to_key
        issue.url = moved_to_url or issue.url
    else:
        what = "was deleted"
        issue.state = TrackerIssue.State.DELETED
    issue.last_error = f"{old_key} {what} in {issue.get_kind_display()}."
    issue.synced_at, issue.etag = timezone.now(), ""
    issue.save()
    record_change(
        incident=item.incident,
        actor=None,
        action=ChangeRecord.Action.UPDATED,
        target=item,
        changes={"tracker_issue": [old_key, moved_to_key]},
        values={"tracker_issue": [old_key, moved_to_key]},
        note=f"via {issue.get_kind_display()}: {old_key} {what}",
        event=SYNCED_EVENT,
    )
    return True


def tracker_issue_note_error(*, issue: TrackerIssue, error: str) -> None:
    """Keep the last error of a call about an existing issue (a failed refresh)."""
    TrackerIssue.objects.filter(pk=issue.pk).update(last_error=error[:500])


@transaction.atomic
def tracker_issue_link(
    *,
    item: ActionItem,
    kind: str,
    key: str,
    url: str,
    state: str,
    assignee: str = "",
    etag: str = "",
    remote_updated_at: datetime | None = None,
    actor: User | None,
    creation_note: str = "",
) -> TrackerIssue:
    """Link the item to an issue that exists in its tracker, and take over its state.

    actor is who linked it, or None when the app did (an issue it created, an import);
    creation_note says what the tracker did not take when the app made the issue.
    """
    issue, _ = TrackerIssue.objects.select_for_update().get_or_create(
        action_item=item, defaults={"kind": kind}
    )
    old_key = issue.key if issue.is_linked else ""
    issue.kind, issue.key, issue.url, issue.last_error = kind, key, url, ""
    issue.etag = ""  # a validator of another issue's answer would be wrong for this one
    issue.creation_note = creation_note[:500]
    issue.remote_updated_at = None  # so is another issue's time
    issue.state = TrackerIssue.State.UNCHECKED
    issue.save()
    if old_key != key:
        record_change(
            incident=item.incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=item,
            changes={"tracker_issue": [old_key, key]},
            values={"tracker_issue": [old_key, key]},
            event=LINKED_EVENT,
        )
    tracker_issue_sync(
        issue=issue, state=state, assignee=assignee, etag=etag, remote_updated_at=remote_updated_at
    )
    return issue


def _item_status_for(issue_state: str, item: ActionItem, *, not_planned: bool) -> str | None:
    """Return the status the item takes after its issue changed to issue_state, or None."""
    if issue_state == TrackerIssue.State.CLOSED and item.is_open:
        return ActionItem.Status.WONT_DO if not_planned else ActionItem.Status.DONE
    if issue_state == TrackerIssue.State.OPEN and not item.is_open:
        return ActionItem.Status.OPEN
    return None


@transaction.atomic
def tracker_issue_sync(
    *,
    issue: TrackerIssue,
    state: str,
    assignee: str,
    etag: str = "",
    not_planned: bool = False,
    remote_updated_at: datetime | None = None,
) -> list[str]:
    """Take over the issue's state and assignee from its tracker; return what changed.

    A closed issue marks its open item done (won't do when closed as not planned); a
    reopened one reopens a closed item. A first look at a linked issue only closes: an
    open issue linked to a done item leaves the item alone. Each change is recorded as
    made by the tracker. A state older than the one held (remote_updated_at, the tracker's
    time of the change) is ignored: webhooks arrive in any order, and late.
    """
    issue = TrackerIssue.objects.select_for_update().get(pk=issue.pk)
    if (
        remote_updated_at is not None
        and issue.remote_updated_at is not None
        and remote_updated_at < issue.remote_updated_at
    ):
        return []
    if remote_updated_at is not None:
        issue.remote_updated_at = remote_updated_at
    item = ActionItem.objects.select_related("incident").get(pk=issue.action_item_id)
    was = issue.state
    changed: list[str] = []
    issue.synced_at = timezone.now()
    issue.last_error = ""
    if etag:
        issue.etag = etag
    if issue.assignee != assignee:
        record_change(
            incident=item.incident,
            actor=None,
            action=ChangeRecord.Action.UPDATED,
            target=item,
            changes={"tracker_assignee": [issue.assignee, assignee]},
            values={"tracker_assignee": [issue.assignee, assignee]},
            note=via(issue, "was reassigned"),
            event=SYNCED_EVENT,
        )
        issue.assignee = assignee
        changed.append("assignee")
    issue.state = state
    issue.save()
    moved = was != state and (was != TrackerIssue.State.UNCHECKED or state == issue.State.CLOSED)
    status = _item_status_for(state, item, not_planned=not_planned) if moved else None
    if status is not None:
        before, before_display = item.status, item.get_status_display()
        item.set_status(status)
        save_row(instance=item, current_version=item.version, expected_version=None)
        record_change(
            incident=item.incident,
            actor=None,
            action=ChangeRecord.Action.STATUS,
            target=item,
            changes={"status": [before_display, item.get_status_display()]},
            values={"status": [before, status]},
            note=via(issue, "was closed" if state == issue.State.CLOSED else "was reopened"),
        )
        changed.append("status")
    return changed
