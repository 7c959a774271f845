from django.urls import path

from chat import notify_views, views

app_name = "chat"
urlpatterns = [
    path("", views.connection_list, name="connections"),
    path("new/", views.connection_edit, name="connection_create"),
    path("<int:connection_id>/", views.connection_edit, name="connection"),
    path("<int:connection_id>/delete/", views.connection_delete, name="connection_delete"),
    path("incidents/<int:incident_id>/import/", views.import_messages, name="import"),
    path("notifications/", notify_views.notify_settings, name="notify_settings"),
    path("notifications/link/", notify_views.notify_link, name="notify_link"),
    path("<int:connection_id>/channel/", notify_views.notify_channel, name="notify_channel"),
    path("slack/commands/", views.slack_commands, name="slack_commands"),
    path("mattermost/commands/", views.mattermost_commands, name="mattermost_commands"),
]
