"""Import postmortems: paste or upload documents, review what was read, save them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from importing import saving
from importing.errors import PostmortemImportError
from importing.forms import ImportForm
from importing.parse import parse_postmortem


def postmortem_import(request: HttpRequest) -> HttpResponse:
    """Paste or upload a postmortem, review what was found, correct it, then save."""
    form = ImportForm(request.POST or None, request.FILES or None)
    parsed = error = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["batch"]:
        return _import_batch(request, form)
    if request.method == "POST" and form.is_valid():
        try:
            parsed = parse_postmortem(
                form.cleaned_data["document"],
                default_date=form.default_date,
                time_zone=form.cleaned_data["time_zone"] or None,
                section_names=form.section_names,
            )
        except PostmortemImportError as exc:
            error = str(exc)
        if parsed and request.POST.get("action") == "save":
            try:
                incident = saving.postmortem_import(
                    parsed=parsed, actor=request.user, template=form.cleaned_data["template"]
                )
            except ValidationError as exc:
                error = saving.refusal_text(exc)
            else:
                messages.success(request, f"Imported as {incident.reference}.")
                return redirect("postmortems:document", incident_id=incident.pk)
        # Show the text that was parsed (an uploaded file too), so the user can correct it.
        form = ImportForm(
            initial={
                "document": form.cleaned_data["document"],
                "incident_date": form.default_date,
                "time_zone": form.cleaned_data["time_zone"],
                "template": form.cleaned_data["template"],
            }
        )
    return render(
        request,
        "postmortems/import.html",
        {"form": form, "parsed": parsed, "error": error},
    )


def _import_batch(request: HttpRequest, form: ImportForm) -> HttpResponse:
    """Preview several documents at once (entries, items, warnings each), or save them all."""
    results = []
    for name, text in form.cleaned_data["batch"]:
        result = {"name": name, "text": text, "parsed": None, "error": ""}
        try:
            result["parsed"] = parse_postmortem(
                text,
                default_date=form.default_date,
                time_zone=form.cleaned_data["time_zone"] or None,
                section_names=form.section_names,
            )
        except PostmortemImportError as exc:
            result["error"] = str(exc)
        results.append(result)
    if request.POST.get("action") == "save":
        saved = []
        known_owners: dict = {}
        for result in results:
            if result["parsed"] is None:
                continue
            try:
                incident = saving.postmortem_import(
                    parsed=result["parsed"],
                    actor=request.user,
                    template=form.cleaned_data["template"],
                    known_owners=known_owners,
                )
            except ValidationError as exc:
                result["error"] = saving.refusal_text(exc)
            else:
                saved.append(f"{result['name']} as {incident.reference}")
        failed = [f"{r['name']}: {r['error']}" for r in results if r["error"]]
        if saved:
            messages.success(request, f"Imported {len(saved)} documents: {', '.join(saved)}.")
        for failure in failed:
            messages.error(request, f"Not imported: {failure}")
        return redirect("incidents:list")
    return render(
        request,
        "postmortems/import.html",
        {"form": form, "batch": results, "error": None},
    )
