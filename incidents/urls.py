from django.urls import path

from incidents.views import account, action_items, calendar, dashboard, incidents

app_name = "incidents"

urlpatterns = [
    # --- Incidents and the incident page: timeline, causes, action items (authoring) ---
    path("", incidents.incident_list, name="list"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    # --- end authoring ---
    #
    # --- Action items board, dashboard, calendar feed (tracking) ---
    path("action-items/", action_items.action_item_board, name="action_items"),
    path("action-items/export.csv", action_items.action_items_csv, name="action_items_csv"),
    path("action-items/bulk/", action_items.action_items_bulk, name="action_items_bulk"),
    path(
        "action-items/<int:pk>/quick/",
        action_items.action_item_quick_update,
        name="action_item_quick_update",
    ),
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("calendar/", calendar.calendar_settings, name="calendar"),
    path("calendar/new-address/", calendar.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", calendar.calendar_feed_view, name="calendar_feed"),
    # --- end tracking ---
    #
    # --- Account settings, reminder preferences, unsubscribe (reminders) ---
    path("settings/", account.account_settings, name="settings"),
    path("unsubscribe/<str:token>/", account.unsubscribe, name="unsubscribe"),
    # --- end reminders ---
]
