from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from incidents.selectors import incident_for_document


def postmortem_document(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the postmortem document of an incident."""
    incident = get_object_or_404(incident_for_document(), pk=incident_id)
    return render(request, "postmortems/document.html", {"incident": incident})


# --- Postmortem editor, review and publishing (authoring) ---
import uuid  # noqa: E402

from django.contrib import messages  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.views.decorators.http import require_http_methods, require_POST  # noqa: E402

from incidents.selectors import incident_for_page  # noqa: E402
from incidents.services import StaleVersionError  # noqa: E402
from postmortems import services  # noqa: E402
from postmortems.forms import ImageUploadForm, PostmortemForm, ReopenForm, ReviewForm  # noqa: E402
from postmortems.markdown import render_markdown  # noqa: E402
from postmortems.models import Postmortem  # noqa: E402
from postmortems.permissions import (  # noqa: E402
    can_change_status,
    can_edit_postmortem,
    can_review,
)


def _postmortem(incident_id: int) -> Postmortem:
    incident = get_object_or_404(incident_for_page(), pk=incident_id)
    postmortem = getattr(incident, "postmortem", None) or services.postmortem_for(incident)
    postmortem.incident = incident
    return postmortem


@require_http_methods(["GET", "POST"])
def postmortem_edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Edit the narrative of a postmortem that is not published."""
    postmortem = _postmortem(incident_id)
    if not can_edit_postmortem(request.user, postmortem):
        if postmortem.is_published:
            raise PermissionDenied("This postmortem is published and read-only; reopen it first.")
        raise PermissionDenied("Only the authors, the commander and managers may edit this.")
    form = PostmortemForm(request.POST or None, instance=postmortem)
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
        },
    )


def _conflict(current: Postmortem, form: PostmortemForm) -> list[dict[str, str]]:
    """List the fields the other person changed; keep this person's text in the form."""
    incident = current.incident
    changed = []
    for name in (*services.INCIDENT_NARRATIVE_FIELDS, *services.NARRATIVE_FIELDS):
        source = incident if name in services.INCIDENT_NARRATIVE_FIELDS else current
        theirs = getattr(source, name)
        if theirs != (form.cleaned_data.get(name) or ""):
            changed.append({"field": str(form.fields[name].label or name), "theirs": theirs})
    data = form.data.copy()
    data[form.add_prefix("version")] = current.version
    form.data = data
    form.add_error(
        None,
        "Someone else saved this postmortem while you were editing. What they wrote is shown "
        "below; your text is still in the form. Save again to replace theirs with yours.",
    )
    return changed


@require_http_methods(["GET", "POST"])
def postmortem_review_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Show the review page: reviews so far, the verdict form and the status actions."""
    postmortem = _postmortem(incident_id)
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
        {
            "postmortem": postmortem,
            "incident": postmortem.incident,
            "form": form,
            "reviews": postmortem.reviews.select_related("reviewer"),
            "can_review": can_review(request.user, postmortem),
            "can_change_status": can_change_status(request.user, postmortem),
            "can_edit": can_edit_postmortem(request.user, postmortem),
            "approved": services.is_approved(postmortem),
            "reopen_form": ReopenForm(),
        },
    )


def _transition(request: HttpRequest, incident_id: int, allowed, change, done: str):
    postmortem = _postmortem(incident_id)
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
        lambda pm: services.postmortem_submit_for_review(postmortem=pm, actor=request.user),
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
