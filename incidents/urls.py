from django.urls import path

from incidents.views import account, incidents

app_name = "incidents"

urlpatterns = [
    # --- Incidents and the incident page: timeline, causes, action items (authoring) ---
    path("", incidents.incident_list, name="list"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    # --- end authoring ---
    #
    # --- Action items board, dashboard, calendar feed (tracking) ---
    # --- end tracking ---
    #
    # --- Account settings, reminder preferences, unsubscribe (reminders) ---
    path("settings/", account.account_settings, name="settings"),
    path("unsubscribe/<str:token>/", account.unsubscribe, name="unsubscribe"),
    # --- end reminders ---
]
