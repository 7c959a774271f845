import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from incidents.permissions import can_edit_incident
from incidents.selectors import incident_for_document
from postmortems import exporters, services
from postmortems.forms import ImportForm, LayoutForm
from postmortems.importer import PostmortemImportError, parse_postmortem
from postmortems.render import build_document


def postmortem_document(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the postmortem document of an incident in its chosen layout."""
    incident = get_object_or_404(incident_for_document(), pk=incident_id)
    document = build_document(incident)
    return render(
        request,
        "postmortems/document.html",
        {
            "document": document,
            "incident": incident,
            "can_edit": can_edit_incident(request.user, incident),
            "layout_form": LayoutForm(initial={"layout": document.layout.key}),
            "formats": exporters.FORMATS,
        },
    )


@require_POST
def postmortem_layout(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Switch the layout the postmortem is rendered in."""
    incident = get_object_or_404(incident_for_document(), pk=incident_id)
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied(
            "Only the incident's authors, commander or a manager may change this."
        )
    form = LayoutForm(request.POST)
    if form.is_valid():
        services.postmortem_set_layout(
            incident=incident, layout=form.cleaned_data["layout"], actor=request.user
        )
        messages.success(request, "Layout changed.")
    else:
        messages.error(request, "That layout does not exist.")
    return redirect("postmortems:document", incident_id=incident.pk)


def postmortem_export(request: HttpRequest, incident_id: int, fmt: str) -> HttpResponse:
    """Download the postmortem as Markdown, standalone HTML or JSON."""
    if fmt not in exporters.FORMATS:
        raise Http404("Export formats are md, html and json.")
    incident = get_object_or_404(incident_for_document(), pk=incident_id)
    content_type, extension = exporters.FORMATS[fmt]
    if fmt == "md":
        body = exporters.export_markdown(incident)
    elif fmt == "html":
        body = exporters.export_html(incident)
    else:
        body = json.dumps(exporters.export_json(incident), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type=content_type)
    filename = f"{incident.reference}-postmortem.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def postmortem_import(request: HttpRequest) -> HttpResponse:
    """Paste or upload a postmortem, review what was found, correct it, then save."""
    form = ImportForm(request.POST or None, request.FILES or None)
    parsed = error = None
    if request.method == "POST" and form.is_valid():
        try:
            parsed = parse_postmortem(
                form.cleaned_data["document"],
                default_date=form.default_date,
                time_zone=form.cleaned_data["time_zone"] or None,
            )
        except PostmortemImportError as exc:
            error = str(exc)
        if parsed and request.POST.get("action") == "save":
            try:
                incident = services.postmortem_import(parsed=parsed, actor=request.user)
            except ValidationError as exc:
                error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            else:
                messages.success(request, f"Imported as {incident.reference}.")
                return redirect("postmortems:document", incident_id=incident.pk)
        # Show the text that was parsed (an uploaded file too), so the user can correct it.
        form = ImportForm(
            initial={
                "document": form.cleaned_data["document"],
                "incident_date": form.default_date,
                "time_zone": form.cleaned_data["time_zone"],
            }
        )
    return render(
        request,
        "postmortems/import.html",
        {"form": form, "parsed": parsed, "error": error},
    )
