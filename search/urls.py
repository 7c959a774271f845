from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="results"),
    path("recurring/", views.recurring, name="recurring"),
    path("incidents/<int:pk>/similar/", views.similar_panel, name="similar"),
    path("incidents/<int:pk>/same-cause/<int:same_as_id>/", views.link_create, name="link_create"),
    path(
        "incidents/<int:pk>/same-cause/<int:link_id>/delete/",
        views.link_delete,
        name="link_delete",
    ),
]
