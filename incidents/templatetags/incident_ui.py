"""Small pieces of the interface: people as initials, history as sentences."""

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.models import ChangeRecord
from incidents.history import actor_name, change_details, change_sentence

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
def person(who, empty: str = "") -> SafeString:
    """Return a person as their avatar and name, or `empty` ("Unassigned") for nobody.

    `{{ item.owner|person:"unowned" }}`; templates/includes/person.html is this filter, for
    the templates that include it. One filter call instead of an include, for table rows.
    """
    if not who:
        return format_html(
            '<span class="person muted"><span class="avatar unassigned" aria-hidden="true">'
            "–</span>{}</span>",
            empty or "Unassigned",
        )
    return format_html(
        '<span class="person"><span class="avatar tone-{}" aria-hidden="true">{}</span>'
        '<span class="person-name">{}</span></span>',
        avatar_tone(who),
        initials(who),
        who,
    )


@register.filter
def sentence(change: ChangeRecord) -> str:
    """Return the change as a sentence without its actor: "moved the due date of …"."""
    return change_sentence(change)


@register.filter
def details(change: ChangeRecord) -> list[tuple[str, str, str]]:
    """Return the (field, old, new) lines of a change too large for its sentence."""
    return change_details(change)


_TIME_STYLES = {
    "full": "%Y-%m-%d %H:%M {zone}",  # 2026-12-02 09:30 CET
    "clock": "%H:%M",  # 09:30, on a timeline that names its zone once
}


@register.filter(expects_localtime=True)
def time_tag(moment: datetime | None, style: str = "full") -> SafeString:
    """Return a <time> of a moment in the current zone, its UTC in the tooltip.

    `{{ incident.started_at|time_tag }}` inside `{% timezone incident.time_zone %}`. Written
    with strftime: Django's date filter, three times per moment, cost a list page a tenth
    of its time.
    """
    if moment is None:
        return mark_safe("—")
    utc = moment.astimezone(UTC)
    shown = moment.strftime(_TIME_STYLES[style].format(zone=moment.tzname() or ""))
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        utc.isoformat(),
        utc.strftime("%Y-%m-%d %H:%M"),
        shown.strip(),
    )


@register.filter
def actor(change: ChangeRecord) -> str:
    """Return who made the change: a person, a tracker ("GitHub"), or "Someone"."""
    return actor_name(change)
