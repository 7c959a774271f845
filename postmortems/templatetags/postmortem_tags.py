from datetime import timedelta

from django import template
from django.utils.safestring import SafeString

from incidents.models import duration_text, zone_label
from postmortems.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render user Markdown as sanitized HTML: `{{ incident.summary|markdown }}`."""
    return render_markdown(text)


@register.filter
def duration(value: timedelta | None) -> str:
    """Show a timedelta as people say it: `{{ incident.duration|duration }}` is '4 hours'."""
    return duration_text(value)


@register.filter(name="zone_label")
def zone_label_filter(zone_name: str) -> str:
    """Show an IANA zone as people write it: `{{ "Etc/GMT-2"|zone_label }}` is GMT+2."""
    return zone_label(zone_name)
