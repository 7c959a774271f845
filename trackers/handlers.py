"""The trackers consumer of events: issues for a published postmortem's open items, and
links for items that arrived (by import or by hand) with a tracker URL of the team's
tracker, also once an imported incident is given its team. It writes rows only; workers
make the calls after commit."""

from django.db import transaction

from core import events
from core.models import ChangeRecord
from incidents.models import ActionItem, TrackerIssue
from trackers import services, tasks
from trackers.models import TrackerConnection, TrackerIssueUpdate

CONSUMER = "trackers"


LINKING_EVENTS = ("incident.created", "incident.updated", "action_item.created")


STATUS_EVENTS = ("action_item.status_changed", "action_item.updated")


@events.subscribe(CONSUMER, ["postmortem.published", *LINKING_EVENTS, *STATUS_EVENTS])
def on_events(records: list[ChangeRecord]) -> None:
    """Owe issues on publishing (when the team asked for it) and link tracker URLs."""
    team_ids = {r.incident.team_id for r in records if r.incident.team_id is not None}
    if not team_ids:
        return
    connections = {c.team_id: c for c in TrackerConnection.objects.filter(team_id__in=team_ids)}
    for record in records:
        connection = connections.get(record.incident.team_id)
        if connection is None:
            continue
        if record.event in STATUS_EVENTS:
            _owe_state(record, connection)
            continue
        items = ActionItem.objects.filter(incident_id=record.incident_id).select_related(
            "incident", "owner"
        )
        if record.event == "action_item.created":
            items = items.filter(pk=record.target_id)
        if record.event == "incident.updated" and "team" not in (record.values or {}):
            continue
        if record.event in LINKING_EVENTS:
            made = services.links_from_tracker_urls(
                items=list(items.exclude(tracker_url="")), connection=connection
            )
            if made:
                transaction.on_commit(
                    lambda c=connection.pk, ids=made: tasks.reconcile_connection.delay(
                        connection_id=c, issue_ids=ids
                    ),
                    robust=True,
                )
        elif connection.create_on_publish and not record.incident.is_private:
            # A private incident's items go to a tracker only when someone who may see it
            # asks for each: the tracker's audience is wider than the incident's.
            wanting = items.open().exclude(tracker_issue__state__in=TrackerIssue.LINKED_STATES)
            for item in wanting:
                services.issue_request(item=item, actor=None)


def _owe_state(record: ChangeRecord, connection: TrackerConnection) -> None:
    """Close or reopen the item's issue when a person closed or reopened the item here.

    Changes with no actor came from the tracker (or the app itself): the issue has them.
    """
    old, new = (record.values or {}).get("status") or [None, None]
    if record.actor_id is None or new is None:
        return
    issue = TrackerIssue.objects.filter(
        action_item_id=record.target_id, state__in=TrackerIssue.LINKED_STATES, kind=connection.kind
    ).first()
    if issue is None:
        return
    was_open, is_open = old in ActionItem.OPEN_STATUSES, new in ActionItem.OPEN_STATUSES
    if was_open == is_open:
        return
    row = TrackerIssueUpdate.objects.create(
        issue=issue,
        connection=connection,
        state=TrackerIssue.State.OPEN if is_open else TrackerIssue.State.CLOSED,
        not_planned=new == ActionItem.Status.WONT_DO,
    )
    tasks.nudge_updates_after_commit([row.pk])
