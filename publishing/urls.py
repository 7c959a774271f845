from django.urls import path

from publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_edit, name="create"),
    path("<int:connection_id>/", views.connection_detail, name="detail"),
    path("<int:connection_id>/edit/", views.connection_edit, name="edit"),
    path("<int:connection_id>/import/", views.connection_import, name="import"),
    path("<int:connection_id>/poll/", views.connection_poll, name="poll"),
    path("<int:connection_id>/new-secret/", views.connection_new_secret, name="new_secret"),
    path("<int:connection_id>/delete/", views.connection_delete, name="delete"),
    path("<int:connection_id>/hook/", views.push_hook, name="hook"),
    path("changes/<int:revision_id>/", views.revision_detail, name="revision"),
    path("changes/<int:revision_id>/accept/", views.revision_accept, name="revision_accept"),
    path("changes/<int:revision_id>/reject/", views.revision_reject, name="revision_reject"),
]
