"""Views of the postmortem document: reading, editing and review."""

import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import page_cache
from incidents.forms import offer_resave
from incidents.permissions import can_edit_incident
from incidents.selectors import (
    fetch_document_rows,
    incident_for_page,
    incident_for_page_head,
)
from incidents.services import StaleVersionError
from postmortems import services
from postmortems.collaboration import thread_views
from postmortems.collaboration.versions import versions_of
from postmortems.exporting import exporters
from postmortems.forms import (
    SECTION_PREFIX,
    ImageUploadForm,
    PostmortemForm,
    ReopenForm,
    ReviewForm,
)
from postmortems.layouts.forms import TemplateChoiceForm
from postmortems.layouts.sections import sync_sections, template_of
from postmortems.markdown import render_markdown
from postmortems.models import Postmortem
from postmortems.permissions import can_edit_postmortem
from postmortems.render import DEFAULT_STYLE, build_document
from postmortems.transitions import TRANSITIONS


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
            "versions": versions_of(postmortem),
        },
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
            return _published_refusal(request, postmortem)
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


def _published_refusal(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """Say why a published postmortem cannot be edited, and offer to reopen it where allowed.

    A link or bookmark to the editor outlives publishing; a page with the way forward is
    kinder than the bare 403. Still a 403: nothing was edited.
    """
    return render(
        request,
        "postmortems/read_only.html",
        {
            "postmortem": postmortem,
            "incident": postmortem.incident,
            "can_reopen": TRANSITIONS["reopen"].allowed(request.user, postmortem),
            "reopen_form": ReopenForm(),
        },
        status=403,
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
    postmortem = thread_views.postmortem_for_review(request, incident_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        review = TRANSITIONS["review"]
        if not review.allowed(request.user, postmortem):
            raise PermissionDenied(review.page_refusal)
        if form.is_valid():
            try:
                review.make(
                    postmortem=postmortem,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, review.done)
                return redirect("postmortems:review", incident_id)
    return render(
        request,
        "postmortems/review.html",
        thread_views.review_context(request, postmortem, {"review": form}),
    )


def _transition(request: HttpRequest, incident_id: int, name: str, **values) -> HttpResponse:
    """Make the named transition of TRANSITIONS and go back to the review page."""
    transition = TRANSITIONS[name]
    postmortem = _postmortem(request, incident_id)
    if not transition.allowed(request.user, postmortem):
        raise PermissionDenied(transition.page_refusal)
    try:
        transition.make(postmortem=postmortem, actor=request.user, **values)
    except (ValidationError, StaleVersionError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, transition.done)
    return redirect("postmortems:review", incident_id)


@require_POST
def postmortem_submit(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _transition(request, incident_id, "submit", reason=request.POST.get("reason", ""))


@require_POST
def postmortem_publish(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _transition(request, incident_id, "publish")


@require_POST
def postmortem_reopen(request: HttpRequest, incident_id: int) -> HttpResponse:
    form = ReopenForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _transition(request, incident_id, "reopen", reason=reason)


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
    # Our own URL, not the storage's: an S3 URL would be public or expire with its signature.
    url = reverse("uploaded_file", kwargs={"path": name})
    return JsonResponse({"image_code": f"![]({url})"})


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
    left on a public path: read through the storage API, the same view serves the local disk
    and a private S3 bucket, on any web node. The storages join the path safely: `..` cannot
    leave MEDIA_ROOT or the bucket's prefix.
    """
    try:
        handle = default_storage.open(path)
    except (FileNotFoundError, IsADirectoryError, SuspiciousOperation):
        raise Http404("No such image.") from None
    content_type, _ = mimetypes.guess_type(path)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    # Browsers may keep it, shared caches may not: it is behind the login.
    response["Cache-Control"] = "private, max-age=3600"
    return response
