"""The incidents app's own consumers of events (see core.events).

Each handles a batch of events in a fixed number of queries and writes owed deliveries,
which workers then send, or derived rows; nothing here sends anything itself.
"""

from core import events
from core.models import ChangeRecord
from incidents import dashboard_counts, reminders, tasks

ASSIGNMENT_EMAIL = "assignment_email"
DASHBOARD_COUNTS = "dashboard_counts"


@events.subscribe(ASSIGNMENT_EMAIL, ["action_item.created", "action_item.updated"])
def send_assignment_notices(records: list[ChangeRecord]) -> None:
    """Owe the new owner of an action item a notice that it is theirs now."""
    assignments = []
    for record in records:
        old_owner, new_owner = record.values.get("owner", [None, None])
        if new_owner is not None and new_owner != old_owner:
            assignments.append((record.target_id, new_owner))
    tasks.nudge_reminders_after_commit(reminders.record_assignment_notices(assignments))


@events.subscribe(DASHBOARD_COUNTS, dashboard_counts.EVENTS)
def keep_dashboard_counts(records: list[ChangeRecord]) -> None:
    """Count again the open items of the teams and owners the events touched."""
    teams, owners = dashboard_counts.touched(records)
    dashboard_counts.recount(teams=teams, owners=owners)
