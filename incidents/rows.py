"""The rows of the two longest lists, drawn by Jinja2: the action items board's and the
incident list's.

The Django template engine spent most of those pages' time resolving the rows' values (and
the includes of each row); Jinja2 compiles the same markup to Python. The rest of each page
stays a Django template; these return its rows as one safe string.
"""

from collections.abc import Callable
from functools import cache

import jinja2
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from incidents.models import ActionItem, Incident, duration_text
from incidents.templatetags.incident_ui import avatar_tone, initials, time_tag

# An id no incident has yet, to find where the id goes in an incident's path.
_SAMPLE_ID = 987654321


def _incident_paths() -> Callable[[int], str]:
    """Return a function giving an incident's path from its id, reversed once per list.

    reverse() for each link of each row was a quarter of the board's work; the path's
    prefix (the script name, the URLconf) is read again for every list.
    """
    head, _, tail = reverse("incidents:detail", args=[_SAMPLE_ID]).partition(str(_SAMPLE_ID))
    return lambda pk: f"{head}{pk}{tail}"


def _truncated(text: str, length: int) -> str:
    """Cut text to `length` characters with an ellipsis, as Django's truncatechars does
    for plain text (its Truncator costs more than the rest of a row)."""
    return text if len(text) <= length else f"{text[: length - 1]}…"


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.BASE_DIR / "templates" / "jinja2"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=settings.DEBUG,
    )
    environment.filters.update(
        avatar_tone=avatar_tone,
        initials=initials,
        truncatechars=_truncated,
        ymd=lambda day: day.strftime("%Y-%m-%d") if day else "",
        duration=duration_text,
        # In the incident's own zone, as {% timezone incident.time_zone %} shows it.
        time_in_zone=lambda moment, zone: time_tag(moment.astimezone(zone) if moment else None),
    )
    return environment


def _render(template: str, **context) -> SafeString:
    html = _environment().get_template(template).render(**context)
    # Safe: the environment autoescapes every value (markupsafe honours SafeString).
    return mark_safe(html)


def board_rows(rows: list[tuple[ActionItem, int]]) -> SafeString:
    """Return the <tr>s of the board for (item, days overdue) pairs, escaped by Jinja2."""
    return _render("incidents/board_rows.html", rows=rows, incident_path=_incident_paths())


def incident_rows(incidents: list[Incident]) -> SafeString:
    """Return the <tr>s of the incident list, each incident's times in its own zone."""
    return _render(
        "incidents/incident_rows.html",
        incidents=incidents,
        incident_path=_incident_paths(),
        clear_url=reverse("incidents:list"),
    )
