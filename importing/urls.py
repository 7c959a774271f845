"""The import page, mounted by config/urls.py in the "postmortems" namespace."""

from django.urls import path

from importing import views

urlpatterns = [
    path("import/", views.postmortem_import, name="import"),
]
