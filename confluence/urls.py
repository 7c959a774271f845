from django.urls import path

from confluence import views

app_name = "confluence"
urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_edit, name="create"),
    path("<int:connection_id>/", views.connection_detail, name="detail"),
    path("<int:connection_id>/edit/", views.connection_edit, name="edit"),
    path("<int:connection_id>/test/", views.connection_test, name="test"),
    path("<int:connection_id>/delete/", views.connection_delete, name="delete"),
    path("postmortems/<int:incident_id>/publish/", views.publish, name="publish"),
]
