from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def ceiling(request: HttpRequest) -> HttpResponse:
    """Answer with a few bytes after the full middleware stack: the fastest a page can be."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    *app_urlpatterns,
    path("bench/ceiling/", login_not_required(ceiling), name="bench-ceiling"),
]
