from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from incidents import selectors


def incident_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.incident_list(), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/incident_list.html", {"page": page})


def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(selectors.incident_for_document(), pk=pk)
    return render(request, "incidents/incident_detail.html", {"incident": incident})
