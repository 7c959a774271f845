"""Pages of postmortem templates: everyone reads them; managers make and copy them, and
the managers of the teams that use one edit and retire it (permissions.can_edit_template).

And the choice of the template a draft is written in, on its document and editor pages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents.permissions import can_edit_incident, is_manager
from incidents.selectors import incident_for_document
from postmortems import services
from postmortems.layouts import services as template_services
from postmortems.layouts.forms import (
    SectionFormSet,
    TemplateChoiceForm,
    TemplateForm,
    section_specs,
)
from postmortems.layouts.sections import ensure_builtin_templates
from postmortems.models import PostmortemTemplate, TeamTemplateDefault, TemplateChange
from postmortems.permissions import can_edit_template

MANAGERS_ONLY = "Only managers may change postmortem templates."
NOT_YOUR_TEAMS = (
    "Only the managers of the teams that use this template (the team it is for, and the "
    "teams whose default it is) may change it. Copy it to make one of your own."
)


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied(MANAGERS_ONLY)


def _require_template_editor(request: HttpRequest, template: PostmortemTemplate) -> None:
    _require_manager(request)
    if not can_edit_template(request.user, template):
        raise PermissionDenied(NOT_YOUR_TEAMS)


def _with_history(template: PostmortemTemplate) -> list[TemplateChange]:
    return list(template.changes.select_related("actor")[:50])


def template_list(request: HttpRequest) -> HttpResponse:
    """List the templates, those in use first, with their sections and the teams using them."""
    ensure_builtin_templates()
    templates = (
        PostmortemTemplate.objects.select_related("team")
        .prefetch_related(
            "sections",
            Prefetch("team_defaults", queryset=TeamTemplateDefault.objects.select_related("team")),
        )
        .annotate(postmortem_count=Count("postmortems", distinct=True))
        .order_by("retired_at", "-built_in", "name")
    )
    templates = list(templates)
    for template in templates:
        template.editable = not template.built_in and can_edit_template(request.user, template)
    return render(
        request,
        "postmortems/templates/list.html",
        {"templates": templates, "can_manage": is_manager(request.user)},
    )


def _editor(request: HttpRequest, template: PostmortemTemplate | None) -> HttpResponse:
    instance = template or PostmortemTemplate()
    form = TemplateForm(request.POST or None, instance=instance, user=request.user)
    formset = SectionFormSet(request.POST or None, instance=instance, prefix="sections")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        values = {
            "actor": request.user,
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
            "team": form.cleaned_data["team"],
            "sections": section_specs(formset),
            "default_for": form.defaults_chosen(),
        }
        try:
            if template is None:
                template = template_services.template_create(**values)
                messages.success(request, f"Template “{template}” made.")
            else:
                drafts = template_services.template_update(template=template, **values)
                messages.success(
                    request,
                    f"Template “{template}” saved; {drafts} draft"
                    f"{'s' if drafts != 1 else ''} follow it. Postmortems in review or "
                    "published keep their sections.",
                )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return redirect("postmortems:template_edit", template.pk)
    return render(
        request,
        "postmortems/templates/edit.html",
        {
            "form": form,
            "formset": formset,
            "template": template,
            "history": _with_history(template) if template else [],
        },
    )


@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    """Make a template: a name, and its sections in order."""
    _require_manager(request)
    return _editor(request, None)


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    """Change a template's sections; built-in ones are shown read-only, to copy."""
    template = get_object_or_404(PostmortemTemplate, pk=template_id)
    if request.method == "POST":
        _require_manager(request)
        if template.built_in:
            raise PermissionDenied(template_services.BUILT_IN_IS_READ_ONLY)
        _require_template_editor(request, template)
    if template.built_in or not can_edit_template(request.user, template):
        return render(
            request,
            "postmortems/templates/show.html",
            {
                "template": template,
                "can_manage": is_manager(request.user),
                "not_yours": not template.built_in and is_manager(request.user),
                "history": _with_history(template),
            },
        )
    return _editor(request, template)


@require_POST
def template_copy(request: HttpRequest, template_id: int) -> HttpResponse:
    _require_manager(request)
    template = get_object_or_404(PostmortemTemplate, pk=template_id)
    copy = template_services.template_copy(template=template, actor=request.user)
    messages.success(request, f"Copied as “{copy}”; change it below.")
    return redirect("postmortems:template_edit", copy.pk)


@require_POST
def template_retire(request: HttpRequest, template_id: int) -> HttpResponse:
    _require_manager(request)
    template = get_object_or_404(PostmortemTemplate, pk=template_id)
    _require_template_editor(request, template)
    retire = request.POST.get("retire", "1") == "1"
    try:
        template_services.template_retire(template=template, actor=request.user, retired=retire)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"“{template}” retired: no new postmortem uses it; those written in it keep it."
            if retire
            else f"“{template}” is offered again.",
        )
    return redirect("postmortems:templates")


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
