from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from incidents.filters import IncidentFilter
from incidents.models import Incident
from incidents.permissions import can_edit_incident
from search import selectors, similar
from search.models import RecurrenceLink
from search.recurring import recurring_report

PAGE_SIZE = 20


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find incidents by anything written about them, best match first, with snippets.

    Only incidents the user may see are searched (private ones of others never show).
    """
    incidents = Incident.objects.visible_to(request.user).select_related("team")
    filterset = IncidentFilter(request.GET or None, queryset=incidents, request=request)
    page, found, text = None, [], ""
    if filterset.is_bound and filterset.is_valid() and any(filterset.form.cleaned_data.values()):
        text = filterset.form.cleaned_data.get("q") or ""
        page = selectors.ranked_page(filterset, number=request.GET.get("page"), per_page=PAGE_SIZE)
        found = selectors.results(list(page), text)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "search/results.html",
        {
            "filter": filterset,
            "page": page,
            "results": found,
            "q": text,
            "query": query.urlencode(),
        },
    )


@require_POST
def link_create(request: HttpRequest, pk: int, same_as_id: int) -> HttpResponse:
    """Mark a similar incident as having the same root cause as this one (its authors only)."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied
    same_as = get_object_or_404(
        Incident.objects.visible_to(request.user).exclude(pk=incident.pk),
        pk=same_as_id,
    )
    if similar.link_create(incident=incident, same_as=same_as, actor=request.user) is None:
        messages.info(request, f"{same_as.reference} was already marked as the same root cause.")
    else:
        messages.success(request, f"Marked {same_as.reference} as the same root cause.")
    return redirect(_back(request, incident))


@require_POST
def link_delete(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    """Remove a "same root cause" link of this incident (its authors only)."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied
    # Both ends must be visible: a link to a private incident the editor may not see does not
    # exist for them (404), like one already removed, so the answer tells nothing apart.
    visible = Incident.objects.visible_to(request.user).values("pk")
    link = get_object_or_404(
        RecurrenceLink.objects.filter(Q(incident=incident) | Q(same_as=incident)).filter(
            incident__in=visible, same_as__in=visible
        ),
        pk=link_id,
    )
    similar.link_delete(link=link, actor=request.user)
    messages.success(request, "Removed the same-root-cause link.")
    return redirect(_back(request, incident))


@require_GET
def similar_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The similar incidents of an incident, which its page and review page load after
    their own content (htmx), or as a page of its own without JavaScript."""
    incident = get_object_or_404(
        Incident.objects.visible_to(request.user).prefetch_related(
            "services", "tags", "causes__tags"
        ),
        pk=pk,
    )
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = incident.get_absolute_url()
    panel_only = request.headers.get("HX-Request") == "true"
    template = "search/similar_panel.html" if panel_only else "search/similar_page.html"
    return render(request, template, {"incident": incident, "return_to": target})


def _back(request: HttpRequest, incident: Incident) -> str:
    """Return the page the form was on (the incident's or its review page), safely."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return incident.get_absolute_url() + "#similar"


@require_GET
def recurring(request: HttpRequest) -> HttpResponse:
    """Show what keeps happening: causes and services per month, chains, fixes that failed."""
    report = recurring_report(request.user)
    return render(request, "search/recurring.html", {"report": report})
