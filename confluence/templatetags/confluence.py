"""Template tags of Confluence: storage-format text, and the postmortem page's Confluence tools."""

from django import template
from django.utils.safestring import SafeString

from confluence import storage

register = template.Library()


@register.filter
def storage_markdown(text: str) -> SafeString:
    """Return user-written Markdown as XHTML for a page in Confluence's storage format."""
    return storage.markdown_xhtml(text)


@register.filter
def absolute_url(path: str) -> str:
    return storage.absolute(path)


@register.inclusion_tag("confluence/_document_tools.html", takes_context=True)
def confluence_tools(context, incident) -> dict:
    """Show the link to the postmortem's Confluence page, and the button to publish there."""
    from confluence.services import page_tools

    return page_tools(user=context["request"].user, incident=incident)
