"""The incident list, the incident forms and the incident page as a working document.

Each form on the incident page posts to a small view. Called by htmx (HX-Request header),
the view answers with the section it changed; called by a plain form, it redirects back to
the section, or on bad input shows the page again with the form and its errors.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import page_cache
from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.forms import (
    ActionItemForm,
    CauseForm,
    IncidentForm,
    MoveForm,
    TimelineEventForm,
    offer_resave,
)
from incidents.models import ActionItem, Cause, Incident, TimelineEvent
from incidents.permissions import can_edit_action_item, can_edit_incident
from incidents.rows import incident_rows

PAGE_SIZE = 25


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _postmortem(incident: Incident):
    return getattr(incident, "postmortem", None)


def _is_locked(incident: Incident) -> bool:
    """Return True while the postmortem is published: its facts are then read-only."""
    postmortem = _postmortem(incident)
    return postmortem is not None and postmortem.is_published


def _require_edit(request: HttpRequest, incident: Incident) -> None:
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied("Only the incident's commander, authors and managers may edit it.")
    if _is_locked(incident):
        raise PermissionDenied("The postmortem is published and read-only; reopen it to edit.")


def _load(request: HttpRequest, pk: int) -> Incident:
    """Return the incident for its page; 404 when it does not exist or is private to others."""
    return get_object_or_404(selectors.incident_for_page(request.user), pk=pk)


def incident_list(request: HttpRequest) -> HttpResponse:
    """List incidents newest first, searchable and filterable, a page at a time.

    The filters, count and rows read the same to viewers who may see the same incidents, so
    they come from the page cache when they are there (core.page_cache).
    """
    key = page_cache.part_key(
        "list",
        page_cache.viewer_scope(request.user),
        sorted(request.GET.lists()),
    )
    body = page_cache.get(key)
    if body is not None:
        return render(
            request, "incidents/incident_list.html", {"page_key": key, "stored_body": body}
        )
    incidents = selectors.incident_list(request.user)
    filterset = IncidentFilter(request.GET or None, queryset=incidents, request=request)
    queryset = filterset.qs if filterset.is_bound else incidents
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "rows_html": incident_rows(page),
            "filter": filterset,
            "query": query.urlencode(),
            "page_key": key,
        },
    )


@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    # A new incident starts in the author's own zone: the one they will type its times in;
    # and in their team when they are in one only (with several, they choose).
    initial = {"commander": request.user, "time_zone": request.user.time_zone}
    teams = list(request.user.teams.values_list("pk", flat=True)[:2])
    if len(teams) == 1:
        initial["team"] = teams[0]
    form = IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        incident = services.incident_create(actor=request.user, data=data)
        messages.success(request, f"{incident.reference} created.")
        return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _load(request, pk)
    _require_edit(request, incident)
    form = IncidentForm(request.POST or None, instance=incident)
    conflict = stranded = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.incident_update(
                incident=incident,
                actor=request.user,
                data=data,
                expected_version=form.cleaned_data["version"],
                # One of the two buttons the warning about stranded owners offers.
                stranded_owners=request.POST.get("stranded_owners"),
            )
        except services.StaleVersionError as error:
            conflict = _conflict(error.current, form, services.INCIDENT_FIELDS)
        except services.StrandedOwnersError as error:
            stranded = _stranded(error)
        else:
            messages.success(request, f"{incident.reference} saved.")
            return redirect(incident)
    return render(
        request,
        "incidents/incident_form.html",
        {"form": form, "incident": incident, "conflict": conflict, "stranded": stranded},
    )


def _stranded(error) -> list[dict]:
    """Group the items a save would strand by owner, for the warning on the form."""
    return [
        {"owner": owner, "items": [item for item in error.items if item.owner_id == owner.pk]}
        for owner in error.owners
    ]


def _conflict(current, form, names) -> list[dict[str, str]]:
    """Describe what the other person saved, and let the next save go over it.

    The form keeps this person's text; its version moves to the current one, so saving
    again is a deliberate choice to replace what they now see.
    """
    changed = []
    for name in names:
        if name not in form.fields or name not in form.cleaned_data:
            continue
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field, such as the zone a time is typed in
            continue
        if field.many_to_many:
            continue
        mine = form.cleaned_data[name]
        mine = getattr(mine, "pk", mine)
        if field.value_from_object(current) != mine:
            label = str(form[name].label)  # the label the form shows, "Description"
            changed.append({"field": label, "theirs": services._display(current, field)})
    offer_resave(
        form,
        current.version,
        "Someone else saved this while you were editing. Their version is shown below; "
        "your text is still in the form. Save again to replace theirs with yours.",
    )
    return changed


def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the incident page; a reader's body comes from the page cache when it is there."""
    incident = get_object_or_404(selectors.incident_for_page_head(request.user), pk=pk)
    editable = can_edit_incident(request.user, incident) and not _is_locked(incident)
    key = None
    if not editable:  # an editor's body has forms with their CSRF token: never shared
        postmortem = _postmortem(incident)
        key = page_cache.part_key(
            "incident",
            incident.pk,
            incident.version,
            postmortem.version if postmortem else 0,
            # Similar incidents list others: viewers who see alike share the body.
            page_cache.viewer_scope(request.user),
        )
    body = page_cache.get(key)
    if body is None:
        selectors.fetch_page_rows(incident)
        context = _page_context(request, incident)
    else:
        context = {"incident": incident, "can_edit": False}
    return render(
        request,
        "incidents/incident_detail.html",
        {**context, "page_key": key, "stored_body": body},
    )


def _page_context(request: HttpRequest, incident: Incident, **forms: Any) -> dict[str, Any]:
    editable = can_edit_incident(request.user, incident) and not _is_locked(incident)
    today = timezone.localdate()
    if editable:  # the add forms are shown to editors only; a reader's page builds none
        forms = {
            "event_form": forms.get("event_form") or TimelineEventForm(incident=incident),
            "cause_form": forms.get("cause_form") or CauseForm(incident=incident),
            "item_form": forms.get("item_form") or ActionItemForm(incident=incident, today=today),
        }
    return {
        "incident": incident,
        "postmortem": _postmortem(incident),
        "can_edit": editable,
        "history": selectors.incident_history(incident, user=request.user),
        **forms,
        "today": today,
        "open_items": sum(1 for item in incident.action_items.all() if item.is_open),
    }


SECTIONS = {
    "timeline": ("incidents/partials/timeline.html", "event_form"),
    "causes": ("incidents/partials/causes.html", "cause_form"),
    "action_items": ("incidents/partials/action_items.html", "item_form"),
}


def _section(
    request: HttpRequest,
    pk: int,
    section: str,
    *,
    form=None,
    status: int = 200,
    keep_open: bool = False,
) -> HttpResponse:
    """Answer a change to one section: the section for htmx, else the page or a redirect."""
    template, form_name = SECTIONS[section]
    incident = _load(request, pk)  # fresh, so the section shows the change and the new history
    forms = {form_name: form} if form is not None else {}
    context = _page_context(request, incident, **forms)
    # After adding one row in place, leave the add form open for the next one.
    context["open_form"] = section if keep_open else None
    if _is_htmx(request):
        response = render(request, template, context, status=status)
        # Causes list their action items and items name their causes: when one of the two
        # changes, the other is swapped in out of band, like the history.
        related = {"causes": "action_items", "action_items": "causes"}.get(section)
        if related:
            response.content += render(
                request, SECTIONS[related][0], {**context, "oob": True, "open_form": None}
            ).content
        # History sits elsewhere on the page; htmx swaps it in out of band.
        response.content += render(
            request,
            "incidents/partials/history.html",
            {
                **context,
                "oob": True,
            },
        ).content
        return response
    if form is not None and form.errors:
        return render(request, "incidents/incident_detail.html", context, status=status)
    return redirect(f"{incident.get_absolute_url()}#{section.replace('_', '-')}")


def _create(
    request: HttpRequest, pk: int, section: str, form_class, create: Callable, **form_kwargs
) -> HttpResponse:
    incident = _load(request, pk)
    _require_edit(request, incident)
    form = form_class(request.POST, incident=incident, **form_kwargs)
    if not form.is_valid():
        return _section(request, pk, section, form=form, status=200)
    data = form.service_data() if hasattr(form, "service_data") else dict(form.cleaned_data)
    create(incident=incident, actor=request.user, data=data)
    return _section(request, pk, section, keep_open=True)


@require_POST
def timeline_event_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, pk, "timeline", TimelineEventForm, services.timeline_event_create)


@require_POST
def cause_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, pk, "causes", CauseForm, services.cause_create)


@require_POST
def action_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(
        request,
        pk,
        "action_items",
        ActionItemForm,
        services.action_item_create,
        today=timezone.localdate(),
    )


def _edit(
    request: HttpRequest,
    pk: int,
    obj,
    section: str,
    form_class,
    save: Callable[[Any], None],
    **form_kwargs,
) -> HttpResponse:
    """Show an edit form for one row (GET) or save it (POST)."""
    incident = obj.incident
    form = form_class(request.POST or None, instance=obj, incident=incident, **form_kwargs)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except services.StaleVersionError as error:
            conflict = _conflict(error.current, form, form.Meta.fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _section(request, pk, section)
    template = (
        "incidents/partials/row_form.html" if _is_htmx(request) else "incidents/row_edit.html"
    )
    context = {
        "incident": incident,
        "form": form,
        "obj": obj,
        "section": section,
        "section_id": section.replace("_", "-"),
        "conflict": conflict,
        "action": request.path,
    }
    response = render(request, template, context)
    if form.errors and _is_htmx(request):
        # The form posts into the section; put an invalid form back where it was instead.
        response["HX-Retarget"] = f"#edit-{section}-{obj.pk}"
        response["HX-Reswap"] = "outerHTML"
    return response


@require_http_methods(["GET", "POST"])
def timeline_event_edit(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    event = get_object_or_404(
        TimelineEvent.objects.select_related("incident"), pk=event_id, incident_id=pk
    )
    _require_edit(request, _load(request, pk))
    return _edit(
        request,
        pk,
        event,
        "timeline",
        TimelineEventForm,
        lambda form: services.timeline_event_update(
            event=event,
            actor=request.user,
            data=form.service_data(),
            expected_version=form.expected_version(),
        ),
    )


@require_http_methods(["GET", "POST"])
def cause_edit(request: HttpRequest, pk: int, cause_id: int) -> HttpResponse:
    cause = get_object_or_404(Cause.objects.select_related("incident"), pk=cause_id, incident_id=pk)
    _require_edit(request, _load(request, pk))
    return _edit(
        request,
        pk,
        cause,
        "causes",
        CauseForm,
        lambda form: services.cause_update(
            cause=cause,
            actor=request.user,
            data=form.service_data(),
            expected_version=form.expected_version(),
        ),
    )


@require_http_methods(["GET", "POST"])
def action_item_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("incident"),
        pk=item_id,
        incident_id=pk,
    )
    if not can_edit_action_item(request.user, item):
        raise PermissionDenied("Only the owner and the incident's editors may change this item.")
    return _edit(
        request,
        pk,
        item,
        "action_items",
        ActionItemForm,
        lambda form: services.action_item_update(
            item=item,
            actor=request.user,
            data=form.service_data(),
            expected_version=form.expected_version(),
        ),
        today=timezone.localdate(),
    )


def _change_row(request: HttpRequest, pk: int, model, obj_id: int, section: str, change):
    """Delete or move one row of a section, for the incident's editors."""
    obj = get_object_or_404(model.objects.select_related("incident"), pk=obj_id, incident_id=pk)
    incident = _load(request, pk)
    if model is ActionItem:
        # Action items stay in play after publication: they are tracked until done.
        if not can_edit_incident(request.user, incident):
            raise PermissionDenied("Only the incident's commander, authors and managers may.")
    else:
        _require_edit(request, incident)
    change(obj)
    return _section(request, pk, section)


def _mover(request: HttpRequest) -> Callable[[Any], None]:
    def move(obj) -> None:
        form = MoveForm(request.POST)
        if form.is_valid():
            services.move(
                instance=obj, actor=request.user, direction=form.cleaned_data["direction"]
            )

    return move


@require_POST
def timeline_event_delete(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    return _change_row(
        request,
        pk,
        TimelineEvent,
        event_id,
        "timeline",
        lambda obj: services.timeline_event_delete(event=obj, actor=request.user),
    )


@require_POST
def cause_delete(request: HttpRequest, pk: int, cause_id: int) -> HttpResponse:
    return _change_row(
        request,
        pk,
        Cause,
        cause_id,
        "causes",
        lambda obj: services.cause_delete(cause=obj, actor=request.user),
    )


@require_POST
def action_item_delete(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    return _change_row(
        request,
        pk,
        ActionItem,
        item_id,
        "action_items",
        lambda obj: services.action_item_delete(item=obj, actor=request.user),
    )


@require_POST
def timeline_event_move(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    return _change_row(request, pk, TimelineEvent, event_id, "timeline", _mover(request))


@require_POST
def cause_move(request: HttpRequest, pk: int, cause_id: int) -> HttpResponse:
    return _change_row(request, pk, Cause, cause_id, "causes", _mover(request))


@require_POST
def action_item_move(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    return _change_row(request, pk, ActionItem, item_id, "action_items", _mover(request))
