from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unread/", views.unread_count, name="unread_count"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("settings/", views.preferences, name="preferences"),
    path("follow/<int:incident_id>/", views.follow, name="follow"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
