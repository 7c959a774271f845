"""The notice on a postmortem of changes merged in its repository, waiting for its authors."""

from django import template

from publishing.models import IncomingRevision

register = template.Library()


@register.inclusion_tag("publishing/_changes_notice.html")
def repository_changes(incident) -> dict:
    """Show the changes to the incident's file waiting to be accepted or rejected.

    Only pages of an incident the reader may see call it, so it asks no visibility again.
    """
    pending = IncomingRevision.objects.filter(
        file__incident=incident, status=IncomingRevision.Status.PENDING
    ).select_related("file__connection")
    return {"pending": list(pending)}
