from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.filters import IncidentFilter
from incidents.models import Incident
from search import selectors

PAGE_SIZE = 20


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find incidents by anything written about them, best match first, with snippets.

    Only incidents the user may see are searched (private ones of others never show).
    """
    incidents = Incident.objects.visible_to(request.user).select_related("team")
    filterset = IncidentFilter(request.GET or None, queryset=incidents)
    page, found, text = None, [], ""
    if filterset.is_bound and filterset.is_valid() and any(filterset.form.cleaned_data.values()):
        text = filterset.form.cleaned_data.get("q") or ""
        page = Paginator(selectors.ranked(filterset.qs, text), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
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
