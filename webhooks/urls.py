from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("<int:endpoint_id>/toggle/", views.endpoint_toggle, name="toggle"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        views.delivery_replay,
        name="replay",
    ),
]
