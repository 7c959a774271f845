"""Small pieces of the interface: people as initials, history as sentences."""

from django import template

from incidents.history import actor_name, change_details, change_sentence
from incidents.models import ChangeRecord

register = template.Library()


@register.filter
def initials(person) -> str:
    """Return up to two initials of a person: 'Alice Smith' → 'AS', 'bob' → 'B'."""
    if person is None:
        return "?"
    name = str(person).strip() or getattr(person, "username", "") or "?"
    parts = [p for p in name.replace(".", " ").replace("_", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def avatar_tone(person) -> int:
    """Return one of six stable colour tones (0-5) for a person's avatar."""
    key = getattr(person, "pk", None) or sum(map(ord, str(person)))
    return int(key) % 6


@register.filter
def sentence(change: ChangeRecord) -> str:
    """Return the change as a sentence without its actor: "moved the due date of …"."""
    return change_sentence(change)


@register.filter
def details(change: ChangeRecord) -> list[tuple[str, str, str]]:
    """Return the (field, old, new) lines of a change too large for its sentence."""
    return change_details(change)


@register.filter
def actor(change: ChangeRecord) -> str:
    """Return who made the change: a person, a tracker ("GitHub"), or "Someone"."""
    return actor_name(change)
