from django.urls import path

from incidents.views import account, action_items, calendar, dashboard, incidents, tags

app_name = "incidents"

urlpatterns = [
    # --- Incidents and the incident page: timeline, causes, action items (authoring) ---
    path("", incidents.incident_list, name="list"),
    path("new/", incidents.incident_create, name="create"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    path("<int:pk>/edit/", incidents.incident_edit, name="edit"),
    path("<int:pk>/timeline/", incidents.timeline_event_create, name="event_create"),
    path("<int:pk>/timeline/<int:event_id>/", incidents.timeline_event_edit, name="event_edit"),
    path(
        "<int:pk>/timeline/<int:event_id>/delete/",
        incidents.timeline_event_delete,
        name="event_delete",
    ),
    path(
        "<int:pk>/timeline/<int:event_id>/move/", incidents.timeline_event_move, name="event_move"
    ),
    path("<int:pk>/causes/", incidents.cause_create, name="cause_create"),
    path("<int:pk>/causes/<int:cause_id>/", incidents.cause_edit, name="cause_edit"),
    path("<int:pk>/causes/<int:cause_id>/delete/", incidents.cause_delete, name="cause_delete"),
    path("<int:pk>/causes/<int:cause_id>/move/", incidents.cause_move, name="cause_move"),
    path("<int:pk>/action-items/", incidents.action_item_create, name="item_create"),
    path("<int:pk>/action-items/<int:item_id>/", incidents.action_item_edit, name="item_edit"),
    path(
        "<int:pk>/action-items/<int:item_id>/delete/",
        incidents.action_item_delete,
        name="item_delete",
    ),
    path("<int:pk>/action-items/<int:item_id>/move/", incidents.action_item_move, name="item_move"),
    # --- end authoring ---
    #
    # --- The managed list of tags (managers) ---
    path("tags/", tags.tag_list, name="tags"),
    path("tags/<int:pk>/rename/", tags.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/merge/", tags.tag_merge, name="tag_merge"),
    # --- end tags ---
    #
    # --- Action items board, dashboard, calendar feed (tracking) ---
    path("action-items/", action_items.action_item_board, name="action_items"),
    path("action-items/export.csv", action_items.action_items_csv, name="action_items_csv"),
    path("action-items/bulk/", action_items.action_items_bulk, name="action_items_bulk"),
    path(
        "action-items/owners/",
        action_items.action_item_owner_options,
        name="action_item_owner_options",
    ),
    path(
        "action-items/<int:pk>/quick/",
        action_items.action_item_quick_update,
        name="action_item_quick_update",
    ),
    # After quick/: field is "owner" or "status", and the board's rows link here relatively.
    path(
        "action-items/<int:pk>/<slug:field>/",
        action_items.action_item_quick_form,
        name="action_item_quick_form",
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
