from datetime import timedelta

from django import template
from django.utils.safestring import SafeString

from incidents.models import zone_label
from postmortems.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render user Markdown as sanitized HTML: `{{ incident.summary|markdown }}`."""
    return render_markdown(text)


@register.filter
def duration(value: timedelta | None) -> str:
    """Show a timedelta as '4 hours', '1 hour 5 minutes', '2 days 3 hours' or '45 minutes'."""
    if value is None:
        return "—"
    total_minutes = int(value.total_seconds() // 60)
    if total_minutes < 0:
        return "—"
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts) or "0 minutes"


@register.filter(name="zone_label")
def zone_label_filter(zone_name: str) -> str:
    """Show an IANA zone as people write it: `{{ "Etc/GMT-2"|zone_label }}` is GMT+2."""
    return zone_label(zone_name)
