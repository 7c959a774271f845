from django.urls import path

from incidents.views import incidents

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
    # --- end reminders ---
]
