"""The incident's history as sentences people read: "Bob moved the due date of 'Alert on lag'
from 12 Dec to 20 Dec"."""

import re
from datetime import date

from core.models import ChangeRecord

FIELD_NAMES = {
    "due_date": "due date",
    "occurred_at": "time",
    "is_dead_end": "dead-end mark",
    "started_at": "start",
    "detected_at": "detection time",
    "mitigated_at": "mitigation time",
    "resolved_at": "resolution time",
    "time_zone": "time zone",
    "users_affected": "users affected",
    "tracker_url": "tracker link",
    "causes": "causes addressed",
    "tracker_issue": "tracker issue",
    "tracker_assignee": "assignee in the tracker",
}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Changes to up to this many fields read as one sentence; more are listed under it.
SPELLED_OUT = 2


def _field(name: str) -> str:
    return FIELD_NAMES.get(name, name.replace("_", " "))


def _value(text: str) -> str:
    """Shorten a value for a sentence: dates as '12 Dec 2026', long text cut."""
    if ISO_DAY.match(text or ""):
        day = date.fromisoformat(text)
        return f"{day.day} {day:%b %Y}"
    text = " ".join((text or "").split())
    return text if len(text) <= 60 else text[:59].rstrip() + "…"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _clause(name: str, old: str, new: str, of: str) -> str:
    """Return what happened to one field: "moved the due date of … from 12 Dec to 20 Dec"."""
    field = f"the {_field(name)} of {of}" if of else f"its {_field(name)}"
    if name == "causes":
        target = f"{of} " if of else ""
        return f"linked {target}to {_value(new)}" if new else f"unlinked {target}from every cause"
    if not old:
        return f"set {field} to {_value(new)}"
    if not new:
        return f"cleared {field} (was {_value(old)})"
    verb = "moved" if name in {"due_date", "occurred_at"} else "changed"
    return f"{verb} {field} from {_value(old)} to {_value(new)}"


def change_sentence(change: ChangeRecord) -> str:
    """Return what happened as one sentence, without the actor, e.g. "moved the due date of
    action item 'Alert on lag' from 12 Dec 2026 to 20 Dec 2026"."""
    what = f"{change.object_type} ‘{_value(change.object_repr)}’"
    fields = change.changes or {}
    if change.event in ("recurrence.linked", "recurrence.unlinked"):
        # The target is the other incident of the pair: "INC-7 Checkout down".
        verb = "marked" if change.event == "recurrence.linked" else "unmarked"
        return f"{verb} {_value(change.object_repr)} as having the same root cause"
    if change.event == "tag.merged":
        return change.note
    if change.action == ChangeRecord.Action.CREATED:
        return f"created {what}"
    if change.action == ChangeRecord.Action.DELETED:
        return f"deleted {what}"
    if change.note.startswith("moved ") and not fields:
        return f"moved {what} {change.note.removeprefix('moved ')}"
    if 1 <= len(fields) <= SPELLED_OUT:
        clauses = [
            _clause(name, old, new, what if index == 0 else "")
            for index, (name, (old, new)) in enumerate(fields.items())
        ]
        return _join(clauses)
    if fields:
        return f"changed the {_join([_field(n) for n in fields])} of {what}"
    return f"{change.get_action_display()} {what}"


def actor_name(change: ChangeRecord) -> str:
    """Return who made the change: the person, the tracker for a change it made
    ("via GitHub: …", see incidents.tracker_issues), else "Someone"."""
    if change.actor_id is not None and change.actor is not None:
        return str(change.actor)
    if change.note.startswith("via ") and ":" in change.note:
        return change.note.removeprefix("via ").split(":", 1)[0]
    return "Someone"


def change_details(change: ChangeRecord) -> list[tuple[str, str, str]]:
    """Return (field, old, new) for a change too large for one sentence, else nothing."""
    fields = change.changes or {}
    if len(fields) <= SPELLED_OUT or change.action != ChangeRecord.Action.UPDATED:
        return []
    return [(_field(name), _value(old), _value(new)) for name, (old, new) in fields.items()]
