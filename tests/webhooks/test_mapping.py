"""Which webhook event each recorded change is."""

import pytest

from core.models import ChangeRecord
from webhooks.payloads import webhook_event


def record(event: str, **values) -> ChangeRecord:
    return ChangeRecord(event=event, values={k: list(v) for k, v in values.items()})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (record("incident.created"), "incident.created"),
        (record("incident.updated", title=("a", "b")), "incident.updated"),
        (record("incident.updated", status=("monitoring", "resolved")), "incident.resolved"),
        (record("incident.updated", status=("resolved", "monitoring")), "incident.updated"),
        (record("timeline_event.created"), "timeline_event.created"),
        (record("postmortem.submitted"), "postmortem.submitted"),
        (record("postmortem.published"), "postmortem.published"),
        (record("review.created", decision=(None, "approve")), "postmortem.approved"),
        (record("review.created", decision=(None, "comment")), None),
        (record("review.created", decision=(None, "request_changes")), None),
        (record("action_item.created"), "action_item.created"),
        (record("action_item.updated", title=("a", "b")), "action_item.updated"),
        (record("action_item.status_changed", status=("open", "done")), "action_item.done"),
        (
            record("action_item.updated", status=("open", "done"), title=("a", "b")),
            "action_item.done",
        ),
        (
            record("action_item.status_changed", status=("open", "in_progress")),
            "action_item.updated",
        ),
        (record("postmortem.reopened"), None),
        (record("cause.created"), None),
    ],
)
def test_each_recorded_change_is_one_webhook_event_or_none(change, expected):
    assert webhook_event(change) == expected
