from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from incidents.selectors import incident_for_document


def postmortem_document(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the postmortem document of an incident."""
    incident = get_object_or_404(incident_for_document(), pk=incident_id)
    return render(request, "postmortems/document.html", {"incident": incident})
