"""The action items board's rows, drawn by Jinja2: the hottest part of the board page.

The Django template engine spent most of the page's time resolving the rows' values (and
the two includes of each row); Jinja2 compiles the same markup to Python.
"""

from functools import cache

import jinja2
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from incidents.models import ActionItem
from incidents.templatetags.incident_ui import avatar_tone, initials


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
        truncatechars=lambda text, n: Truncator(text).chars(n),
        ymd=lambda day: day.strftime("%Y-%m-%d") if day else "",
    )
    return environment


def board_rows(rows: list[tuple[ActionItem, int]]) -> SafeString:
    """Return the <tr>s of the board for (item, days overdue) pairs, escaped by Jinja2."""
    html = _environment().get_template("incidents/board_rows.html").render(rows=rows)
    # Safe: the environment autoescapes every value (markupsafe honours SafeString).
    return mark_safe(html)
