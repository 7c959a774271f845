from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import comments, views

app_name = "api"

router = DefaultRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("timeline-events", views.TimelineEventViewSet, basename="timeline-event")
router.register("causes", views.CauseViewSet, basename="cause")
router.register("action-items", views.ActionItemViewSet, basename="action-item")
router.register("postmortems", views.PostmortemViewSet, basename="postmortem")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("comment-threads", comments.CommentThreadViewSet, basename="comment-thread")
router.register("teams", views.TeamViewSet, basename="team")
router.register("services", views.ServiceViewSet, basename="service")
router.register("tags", views.TagViewSet, basename="tag")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the page needs no
    # inline script under our Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", views.not_found),
]
