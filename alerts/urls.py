from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_create, name="create"),
    path("<int:source_id>/", views.source_detail, name="detail"),
    path("<int:source_id>/edit/", views.source_edit, name="edit"),
    path("<int:source_id>/new-secret/", views.source_new_secret, name="new_secret"),
    path("<int:source_id>/delete/", views.source_delete, name="delete"),
    path("<int:source_id>/services/", views.rule_create, name="rule_create"),
    path("<int:source_id>/services/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    # What the senders call: no login, verified by the source's secret.
    path(
        "hooks/<str:kind>/<uuid:source_uuid>/",
        views.receive,
        name="receive",
    ),
]
