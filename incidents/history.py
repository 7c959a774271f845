"""The incident's history as sentences people read: "Bob moved the due date of 'Alert on lag'
from 12 Dec to 20 Dec"."""

import re
from datetime import date

from incidents.models import ChangeRecord

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
}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def change_sentence(change: ChangeRecord) -> str:
    """Return what happened as one sentence, without the actor, e.g. "moved the due date of
    action item 'Alert on lag' from 12 Dec 2026 to 20 Dec 2026"."""
    what = f"{change.object_type} ‘{_value(change.object_repr)}’"
    fields = change.changes or {}
    if change.action == ChangeRecord.Action.CREATED:
        return f"created {what}"
    if change.action == ChangeRecord.Action.DELETED:
        return f"deleted {what}"
    if change.note.startswith("moved ") and not fields:
        return f"{change.note.split(' ')[0]} {what} {change.note.split(' ', 1)[1]}"
    if len(fields) == 1:
        name, (old, new) = next(iter(fields.items()))
        verb = "moved" if name in {"due_date", "occurred_at"} else "changed"
        if name == "causes":
            return f"changed which causes {what} addresses to {_value(new) or 'none'}"
        if not old:
            return f"set the {_field(name)} of {what} to {_value(new)}"
        if not new:
            return f"cleared the {_field(name)} of {what} (was {_value(old)})"
        return f"{verb} the {_field(name)} of {what} from {_value(old)} to {_value(new)}"
    if fields:
        return f"changed the {_join([_field(n) for n in fields])} of {what}"
    return f"{change.get_action_display()} {what}"
