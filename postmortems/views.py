"""Views of the postmortem document: reading, export, import, editing and review."""

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from core import page_cache
from incidents.forms import offer_resave
from incidents.permissions import can_edit_incident
from incidents.selectors import (
    fetch_document_rows,
    incident_for_document,
    incident_for_page,
    incident_for_page_head,
)
from incidents.services import StaleVersionError
from postmortems import comment_views, exporters, services, versions
from postmortems.forms import (
    SECTION_PREFIX,
    ImageUploadForm,
    ImportForm,
    PostmortemForm,
    ReopenForm,
    ReviewForm,
    TemplateChoiceForm,
)
from postmortems.importer import PostmortemImportError, parse_postmortem
from postmortems.markdown import render_markdown
from postmortems.models import Postmortem, PublishedVersion
from postmortems.permissions import can_change_status, can_edit_postmortem, can_review
from postmortems.render import DEFAULT_STYLE, build_document
from postmortems.sections import sync_sections, template_of


def postmortem_document(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the postmortem document of an incident in its template.

    `?template=<id>` previews the text in another template the incident may use, unsaved.
    The document itself reads the same to everyone who may see the incident, so it comes
    from the page cache when it is there (core.page_cache); a preview never does.
    """
    incident = get_object_or_404(
        incident_for_page_head(request.user).select_related("postmortem__template"),
        pk=incident_id,
    )
    preview = None
    if "template" in request.GET:
        choice = TemplateChoiceForm(request.GET, team=incident.team)
        preview = choice.cleaned_data["template"] if choice.is_valid() else None
    postmortem = getattr(incident, "postmortem", None)
    shown = preview or (template_of(postmortem) if postmortem else None)
    key = None
    if preview is None:
        key = page_cache.part_key(
            "document",
            incident.pk,
            incident.version,
            postmortem.version if postmortem else 0,
            postmortem.template_id if postmortem else 0,
        )
    body = page_cache.get(key)
    document = None
    if body is None:
        fetch_document_rows(incident)
        document = build_document(incident, template=preview)
    return render(
        request,
        "postmortems/document.html",
        {
            "document": document,
            "incident": incident,
            "preview": preview,
            "can_edit": can_edit_incident(request.user, incident),
            "can_switch": postmortem is None or postmortem.status == Postmortem.Status.DRAFT,
            "template_form": TemplateChoiceForm(
                initial={"template": preview or (postmortem and postmortem.template)},
                team=incident.team,
            ),
            "shown_template": shown,
            "style": shown.style if shown else DEFAULT_STYLE,
            "formats": exporters.FORMATS,
            "page_key": key,
            "stored_body": body,
            "versions": _versions_of(postmortem),
        },
    )


def _versions_of(postmortem: Postmortem | None) -> list[PublishedVersion]:
    if postmortem is None:
        return []
    return list(
        postmortem.versions.select_related("published_by").defer("html", "data", "markdown")
    )


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
            "versions": _versions_of(postmortem),
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
            "versions": _versions_of(old_version.postmortem),
        },
    )


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
    return _download(
        body, fmt, f"{version.postmortem.incident.reference}-postmortem-v{version.number}"
    )


def _download(body: str, fmt: str, stem: str) -> HttpResponse:
    content_type, extension = exporters.FORMATS[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    return response


@require_POST
def postmortem_template(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Write the draft in another template; every section's text is kept."""
    incident = get_object_or_404(incident_for_document(request.user), pk=incident_id)
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied(
            "Only the incident's authors, commander or a manager may change this."
        )
    form = TemplateChoiceForm(request.POST, team=incident.team)
    if form.is_valid():
        try:
            services.postmortem_set_template(
                incident=incident, template=form.cleaned_data["template"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            template = form.cleaned_data["template"]
            messages.success(request, f"Now written in the template “{template}”.")
    else:
        messages.error(request, "That template does not exist or is retired.")
    back = "postmortems:edit" if request.POST.get("next") == "edit" else "postmortems:document"
    return redirect(back, incident_id=incident.pk)


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
    return _download(body, fmt, stem)


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
                incident = services.postmortem_import(
                    parsed=parsed, actor=request.user, template=form.cleaned_data["template"]
                )
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
                incident = services.postmortem_import(
                    parsed=result["parsed"],
                    actor=request.user,
                    template=form.cleaned_data["template"],
                    known_owners=known_owners,
                )
            except ValidationError as exc:
                result["error"] = "; ".join(
                    f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()
                )
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


# --- Postmortem editor, review and publishing (authoring) ---


def _postmortem(request: HttpRequest, incident_id: int) -> Postmortem:
    incident = get_object_or_404(incident_for_page(request.user), pk=incident_id)
    postmortem = getattr(incident, "postmortem", None) or services.postmortem_for(incident)
    postmortem.incident = incident
    return postmortem


@require_http_methods(["GET", "POST"])
def postmortem_edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Edit the narrative of a postmortem that is not published."""
    postmortem = _postmortem(request, incident_id)
    if not can_edit_postmortem(request.user, postmortem):
        if postmortem.is_published:
            raise PermissionDenied("This postmortem is published and read-only; reopen it first.")
        raise PermissionDenied("Only the authors, the commander and managers may edit this.")
    sections = list(postmortem.sections.all()) or sync_sections(postmortem, template_of(postmortem))
    form = PostmortemForm(request.POST or None, instance=postmortem, sections=sections)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.postmortem_update(
                postmortem=postmortem,
                actor=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersionError as error:
            conflict = _conflict(error.current, form)
        else:
            messages.success(request, "Postmortem saved.")
            return redirect("postmortems:edit", incident_id)
    return render(
        request,
        "postmortems/editor.html",
        {
            "form": form,
            "postmortem": postmortem,
            "incident": postmortem.incident,
            "conflict": conflict,
            "template_form": TemplateChoiceForm(
                initial={"template": postmortem.template}, team=postmortem.incident.team
            ),
        },
    )


def _conflict(current: Postmortem, form: PostmortemForm) -> list[dict[str, str]]:
    """List the fields the other person changed; keep this person's text in the form."""
    incident = current.incident
    changed = []
    theirs_by_field = {name: getattr(incident, name) for name in services.INCIDENT_NARRATIVE_FIELDS}
    for section in current.sections.all():
        theirs_by_field[f"{SECTION_PREFIX}{section.key}"] = section.body
    for name, theirs in theirs_by_field.items():
        if name in form.fields and theirs != (form.cleaned_data.get(name) or ""):
            changed.append({"field": form.section_label(name), "theirs": theirs})
    offer_resave(
        form,
        current.version,
        "Someone else saved this postmortem while you were editing. What they wrote is shown "
        "below; your text is still in the form. Save again to replace theirs with yours.",
    )
    return changed


@require_http_methods(["GET", "POST"])
def postmortem_review_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the review page: the document with its threads, reviews and the status actions."""
    postmortem = comment_views.postmortem_for_review(request, incident_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review(request.user, postmortem):
            raise PermissionDenied("Only the named reviewers and managers may review this.")
        if form.is_valid():
            try:
                services.postmortem_review(
                    postmortem=postmortem,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Review recorded.")
                return redirect("postmortems:review", incident_id)
    return render(
        request,
        "postmortems/review.html",
        comment_views.review_context(request, postmortem, {"review": form}),
    )


def _transition(request: HttpRequest, incident_id: int, allowed, change, done: str):
    postmortem = _postmortem(request, incident_id)
    if not allowed(request.user, postmortem):
        raise PermissionDenied("You may not change the status of this postmortem.")
    try:
        change(postmortem)
    except (ValidationError, StaleVersionError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("postmortems:review", incident_id)


@require_POST
def postmortem_submit(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _transition(
        request,
        incident_id,
        can_change_status,
        lambda pm: services.postmortem_submit_for_review(
            postmortem=pm, actor=request.user, reason=request.POST.get("reason", "")
        ),
        "Submitted for review.",
    )


@require_POST
def postmortem_publish(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _transition(
        request,
        incident_id,
        can_review,
        lambda pm: services.postmortem_publish(postmortem=pm, actor=request.user),
        "Published.",
    )


@require_POST
def postmortem_reopen(request: HttpRequest, incident_id: int) -> HttpResponse:
    form = ReopenForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _transition(
        request,
        incident_id,
        can_change_status,
        lambda pm: services.postmortem_reopen(postmortem=pm, actor=request.user, reason=reason),
        "Reopened as a draft.",
    )


@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Render the editor's Markdown, sanitized, for a logged-in user's live preview."""
    return HttpResponse(render_markdown(request.POST.get("content", "")))


@require_POST
def image_upload(request: HttpRequest) -> HttpResponse:
    """Store a PNG or JPEG from the editor under a name the server picks."""
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    name = default_storage.save(
        f"markdownx/{uuid.uuid4().hex}.{form.extension}", form.cleaned_data["image"]
    )
    return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Send browsers that ask for /favicon.ico to the static icon.

    Resolved per request: with the manifest storage of production, resolving it when the
    URLs load would fail before collectstatic has run.
    """
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
def uploaded_file(request: HttpRequest, path: str) -> HttpResponse:
    """Serve an image uploaded from the editor, to logged-in users only.

    Screenshots in a postmortem are as confidential as the text around them, so they are not
    left on a public static path; and this works with DEBUG off, unlike Django's static().
    `serve` joins the path safely: `..` cannot leave MEDIA_ROOT.
    """
    return serve(request, path, document_root=settings.MEDIA_ROOT)
