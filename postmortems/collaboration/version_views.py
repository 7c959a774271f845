"""Pages of published versions: one version as it was frozen, a comparison, a download."""

import json

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from incidents.selectors import incident_for_document
from postmortems.collaboration import versions
from postmortems.collaboration.versions import versions_of
from postmortems.exporting import exporters
from postmortems.exporting.views import download
from postmortems.models import PublishedVersion


def _version(request: HttpRequest, incident_id: int, number: int) -> PublishedVersion:
    incident = get_object_or_404(
        incident_for_document(request.user).prefetch_related(None),
        pk=incident_id,
    )
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None:
        raise Http404("This incident has no postmortem.")
    postmortem.incident = incident
    versions.fill_unfrozen_versions(postmortem)
    version = get_object_or_404(postmortem.versions.select_related("published_by"), number=number)
    version.postmortem = postmortem
    return version


@require_GET
def postmortem_version(request: HttpRequest, incident_id: int, number: int) -> HttpResponse:
    """Show a published version as it was frozen, with the list of all versions."""
    version = _version(request, incident_id, number)
    postmortem = version.postmortem
    return render(
        request,
        "postmortems/version.html",
        {
            "version": version,
            "incident": postmortem.incident,
            "frozen_html": versions.frozen_html(version),
            "versions": versions_of(postmortem),
            "formats": exporters.FORMATS,
        },
    )


@require_GET
def postmortem_version_diff(
    request: HttpRequest, incident_id: int, old: int, new: int
) -> HttpResponse:
    """Show what changed between two published versions, section by section."""
    old_version = _version(request, incident_id, old)
    new_version = _version(request, incident_id, new)
    return render(
        request,
        "postmortems/version_diff.html",
        {
            "diff": versions.compare(old_version, new_version),
            "incident": old_version.postmortem.incident,
            "versions": versions_of(old_version.postmortem),
        },
    )


class CompareForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)


@require_GET
def postmortem_version_compare(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Send the compare form's two versions, in either order, to their comparison."""
    # Who may not see the incident learns nothing here either: 404, as on its other pages.
    get_object_or_404(incident_for_document(request.user).prefetch_related(None), pk=incident_id)
    form = CompareForm(request.GET)
    if not form.is_valid() or form.cleaned_data["old"] == form.cleaned_data["new"]:
        messages.error(request, "Pick two different versions to compare.")
        return redirect("postmortems:document", incident_id)
    old, new = sorted((form.cleaned_data["old"], form.cleaned_data["new"]))
    return redirect("postmortems:version_diff", incident_id, old, new)


@require_GET
def postmortem_version_export(
    request: HttpRequest, incident_id: int, number: int, fmt: str
) -> HttpResponse:
    """Download a published version as it was frozen."""
    if fmt not in exporters.FORMATS:
        raise Http404("Export formats are md, html and json.")
    version = _version(request, incident_id, number)
    if fmt == "md":
        body = version.markdown
    elif fmt == "html":
        body = exporters.standalone_html(
            title=f"{version.postmortem.incident.title} (v{version.number})",
            body=versions.frozen_html(version),
            layout=version.layout,
        )
    else:
        body = json.dumps(
            {**version.data, "published_version": version.number}, indent=2, ensure_ascii=False
        )
    return download(
        body, fmt, f"{version.postmortem.incident.reference}-postmortem-v{version.number}"
    )
