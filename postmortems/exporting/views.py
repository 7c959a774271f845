"""Download a postmortem as Markdown, standalone HTML or JSON."""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from incidents.selectors import incident_for_document
from postmortems.collaboration import versions
from postmortems.exporting import exporters


def postmortem_export(request: HttpRequest, incident_id: int, fmt: str) -> HttpResponse:
    """Download the postmortem as Markdown, standalone HTML or JSON."""
    if fmt not in exporters.FORMATS:
        raise Http404("Export formats are md, html and json.")
    incident = get_object_or_404(incident_for_document(request.user), pk=incident_id)
    # A published document is the latest version: its exports say which one.
    number = versions.latest_number(getattr(incident, "postmortem", None))
    if fmt == "md":
        body = exporters.export_markdown(incident)
    elif fmt == "html":
        body = exporters.export_html(incident)
    else:
        data = exporters.export_json(incident)
        if number:
            data["published_version"] = number
        body = json.dumps(data, indent=2, ensure_ascii=False)
    stem = f"{incident.reference}-postmortem" + (f"-v{number}" if number else "")
    return download(body, fmt, stem)


def download(body: str, fmt: str, stem: str) -> HttpResponse:
    """Return body as a file download named stem, of the export format fmt."""
    content_type, extension = exporters.FORMATS[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    return response
